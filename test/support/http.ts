import type { AddressInfo } from "node:net";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import type { Db } from "~/db/db.server";
import { loadEnv, type Env } from "~/env.server";
import { createHttpApp } from "~/http/server.server";
import { createServices } from "~/services.server";
import type { Services } from "~/context";
import type { TestDatabase } from "./databases";

export interface TestServer {
  url: string;
  env: Env;
  /** The server's services: tests move its clock and act as staff through it. */
  services: Services;
  close(): Promise<void>;
}

/** The production build behind the real Express app, on a free port, over a test database. */
export async function startTestServer(
  database: TestDatabase,
  overrides: Record<string, string> = {},
  serviceOverrides: Partial<Services> = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "reclaim-data-"));
  const env = loadEnv({ NODE_ENV: "production", RECLAIM_DATA_DIR: dataDir, DATABASE_URL: database.url, LOG_LEVEL: "silent", ...overrides }, () => {});
  const build = (await import(/* @vite-ignore */ pathToFileURL(path.resolve("build/index.js")).href)) as ServerBuild;
  const services = createServices(env, { db: database.db as Db, dbKind: database.kind, ...serviceOverrides });
  const app = createHttpApp({ build, services });
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    env,
    services,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
