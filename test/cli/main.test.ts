import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "~/cli/main.server";
import { openDatabase } from "~/db/db.server";

/** `npx reclaim …`: help, migrations, and clear errors with a non-zero exit. */
describe("the reclaim command", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });
  const capture = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: [(l: string) => out.push(l), (l: string) => err.push(l)] as const };
  };

  it("lists its commands", async () => {
    const { out, io } = capture();
    expect(await main(["help"], ...io)).toBe(0);
    expect(out.join("\n")).toMatch(/db:migrate/);
    expect(out.join("\n")).toMatch(/serve/);
  });

  it("refuses an unknown command with the usage and exit code 2", async () => {
    const { err, io } = capture();
    expect(await main(["frobnicate"], ...io)).toBe(2);
    expect(err.join("\n")).toMatch(/Unknown command "frobnicate"/);
  });

  it("migrates the database DATABASE_URL names, and says so", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "reclaim-cli-"));
    process.env.DATABASE_URL = `file:${path.join(dir, "cli.sqlite")}`;
    process.env.RECLAIM_DATA_DIR = dir;
    const { out, io } = capture();
    expect(await main(["db:migrate"], ...io)).toBe(0);
    expect(out.join("\n")).toMatch(/applied: 2026-11-22T06-00_create_organisation/);
    const { db } = openDatabase<any>(process.env.DATABASE_URL);
    expect(await db.selectFrom("organisation").select("id").execute()).toHaveLength(1);
    await db.destroy();
    const again = capture();
    expect(await main(["db:migrate"], ...again.io)).toBe(0);
    expect(again.out.join("\n")).toMatch(/already up to date/);
  });

  it("stops with a sentence, not a stack trace, on a bad environment", async () => {
    process.env.DATABASE_URL = "mysql://nope";
    const { err, io } = capture();
    expect(await main(["db:migrate"], ...io)).toBe(1);
    expect(err.join("\n")).toMatch(/DATABASE_URL/);
    expect(err.join("\n")).not.toMatch(/\n\s+at /);
  });
});
