import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EnvError, loadEnv, servedOverHttps } from "~/env.server";

/** The environment is checked once at start-up, with a message that names each bad variable. */
describe("environment", () => {
  const dataDir = () => mkdtempSync(path.join(tmpdir(), "reclaim-env-"));

  it("has defaults that need nothing set", () => {
    const env = loadEnv({ RECLAIM_DATA_DIR: dataDir() }, () => {});
    expect(env.PORT).toBe(3000);
    expect(env.DATABASE_URL).toBe("file:./data/reclaim.sqlite");
    expect(env.NODE_ENV).toBe("production");
  });

  it("names every bad variable in one clear message", () => {
    expect(() => loadEnv({ RECLAIM_DATA_DIR: dataDir(), PORT: "eighty", DATABASE_URL: "mysql://x", SMTP_URL: "mail.example" }, () => {})).toThrowError(
      EnvError,
    );
    try {
      loadEnv({ RECLAIM_DATA_DIR: dataDir(), PORT: "eighty", DATABASE_URL: "mysql://x" }, () => {});
    } catch (error) {
      expect((error as Error).message).toMatch(/PORT/);
      expect((error as Error).message).toMatch(/DATABASE_URL: must be file:PATH or postgres:\/\/…/);
    }
  });

  it("generates the embedded default's secrets once, readable only by the owner, and warns in production", () => {
    const dir = dataDir();
    const warnings: string[] = [];
    const first = loadEnv({ RECLAIM_DATA_DIR: dir }, (w) => warnings.push(w));
    const second = loadEnv({ RECLAIM_DATA_DIR: dir }, () => {});
    expect(second.SESSION_SECRET).toBe(first.SESSION_SECRET);
    expect(second.RECLAIM_DATA_KEYS).toBe(first.RECLAIM_DATA_KEYS);
    const file = path.join(dir, "secrets.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, "utf8")).SESSION_SECRET).toBe(first.SESSION_SECRET);
    expect(warnings.join("\n")).toMatch(/SESSION_SECRET.*not supplied/);
    // Supplied secrets are used as they are, and nothing is said.
    const quiet: string[] = [];
    const supplied = loadEnv(
      { RECLAIM_DATA_DIR: dataDir(), SESSION_SECRET: "s".repeat(40), RECLAIM_DATA_KEYS: `k1:${Buffer.alloc(32, 1).toString("base64")}`, RECLAIM_INDEX_KEY: "i".repeat(40) },
      (w) => quiet.push(w),
    );
    expect(supplied.SESSION_SECRET).toBe("s".repeat(40));
    expect(quiet).toEqual([]);
  });

  it("treats the portal as served over HTTPS only when PUBLIC_URL says so", () => {
    expect(servedOverHttps({ PUBLIC_URL: undefined })).toBe(false);
    expect(servedOverHttps({ PUBLIC_URL: "http://localhost:3000" })).toBe(false);
    expect(servedOverHttps({ PUBLIC_URL: "https://reclaim.example" })).toBe(true);
  });
});
