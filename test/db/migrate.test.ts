import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMigrator, migrateToLatest } from "~/db/migrate.server";
import { EU_CENTRE_ID } from "~/db/schema";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../support/databases";

describe.each(databaseKinds)("migrations [%s]", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind, { migrate: false });
  });
  afterAll(() => t.destroy());

  it("applies every migration on an empty database, then has nothing left to do", async () => {
    const first = await migrateToLatest(t.db);
    expect(first.results?.length).toBeGreaterThan(0);
    expect(first.results?.every((r) => r.status === "Success")).toBe(true);
    const second = await migrateToLatest(t.db);
    expect(second.results).toEqual([]);
  });

  it("seeds the EU Centre as the handling organisation of last resort", async () => {
    const org = await t.db.selectFrom("organisation").selectAll().where("id", "=", EU_CENTRE_ID).executeTakeFirst();
    expect(org?.kind).toBe("eu_centre");
  });

  it("can be rolled back to nothing and applied again", async () => {
    const migrator = await createMigrator(t.db);
    const migrations = await migrator.getMigrations();
    for (let i = 0; i < migrations.length; i++) {
      const { error } = await migrator.migrateDown();
      expect(error).toBeUndefined();
    }
    const tables = (await t.db.introspection.getTables()).map((x) => x.name);
    expect(tables.filter((n) => !n.startsWith("kysely_"))).toEqual([]);
    await migrateToLatest(t.db);
    expect(await t.db.selectFrom("organisation").select("id").execute()).toHaveLength(1);
  });

  it("names the migration that failed", async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const path = await import("node:path");
    const folder = mkdtempSync(path.join(tmpdir(), "reclaim-bad-migration-"));
    writeFileSync(
      path.join(folder, "2099-01-01T00-00_broken.ts"),
      "export async function up(db) { await db.selectFrom('no_such_table').selectAll().execute(); }\n",
    );
    const empty = await createTestDatabase(kind, { migrate: false });
    try {
      await expect(migrateToLatest(empty.db, folder)).rejects.toThrow(/2099-01-01T00-00_broken/);
    } finally {
      await empty.destroy();
    }
  });
});
