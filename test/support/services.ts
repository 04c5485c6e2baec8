import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Services } from "~/context";
import { loadEnv } from "~/env.server";
import { createServices } from "~/services.server";
import type { TestDatabase } from "./databases";

/** A data key entry for RECLAIM_DATA_KEYS. */
export const dataKey = (id: string) => `${id}:${randomBytes(32).toString("base64")}`;

/**
 * Services over a test database with a clock the test moves (`clock.set`,
 * `clock.advanceDays`). Extra environment variables override the defaults.
 */
export function testServices(database: TestDatabase, env: Record<string, string> = {}, start = new Date("2027-01-04T09:00:00.000Z")) {
  const dataDir = mkdtempSync(path.join(tmpdir(), "reclaim-services-"));
  let now = start.getTime();
  const clock = {
    set: (date: Date | string) => void (now = new Date(date).getTime()),
    advanceDays: (days: number) => void (now += days * 24 * 60 * 60 * 1000),
    advanceMs: (ms: number) => void (now += ms),
  };
  const services: Services = createServices(
    loadEnv({ NODE_ENV: "test", RECLAIM_DATA_DIR: dataDir, DATABASE_URL: database.url, LOG_LEVEL: "silent", ...env }, () => {}),
    { db: database.db, dbKind: database.kind, now: () => new Date(now) },
  );
  return { services, clock };
}
