import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../support/databases";

/**
 * The behaviour the app relies on, the same on the sqlite3 dialect of our own
 * and on PostgreSQL: transactions, RETURNING, affected rows, introspection,
 * concurrency and streaming.
 */
describe.each(databaseKinds)("database layer [%s]", (kind) => {
  let t: TestDatabase;
  const db = () => t.db as unknown as import("kysely").Kysely<any>;

  beforeAll(async () => {
    t = await createTestDatabase(kind, { migrate: false });
    await db()
      .schema.createTable("thing")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("n", "integer", (c) => c.notNull())
      .addColumn("flag", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("at", "text")
      .execute();
  });
  afterAll(() => t.destroy());

  it("returns inserted rows with RETURNING", async () => {
    const row = await db().insertInto("thing").values({ id: "a", n: 1 }).returning(["id", "n"]).executeTakeFirstOrThrow();
    expect(row).toEqual({ id: "a", n: 1 });
  });

  it("reports affected rows for updates and deletes", async () => {
    await db().insertInto("thing").values([{ id: "b", n: 2 }, { id: "c", n: 3 }]).execute();
    const updated = await db().updateTable("thing").set({ flag: 1 }).where("n", ">=", 2).executeTakeFirst();
    expect(Number(updated.numUpdatedRows)).toBe(2);
    const deleted = await db().deleteFrom("thing").where("id", "=", "c").executeTakeFirst();
    expect(Number(deleted.numDeletedRows)).toBe(1);
  });

  it("commits a transaction", async () => {
    await db().transaction().execute(async (trx) => {
      await trx.insertInto("thing").values({ id: "t1", n: 10 }).execute();
    });
    expect(await db().selectFrom("thing").select("n").where("id", "=", "t1").executeTakeFirst()).toEqual({ n: 10 });
  });

  it("rolls back a failing transaction completely", async () => {
    await expect(
      db().transaction().execute(async (trx) => {
        await trx.insertInto("thing").values({ id: "t2", n: 20 }).execute();
        await trx.insertInto("thing").values({ id: "t2", n: 21 }).execute(); // duplicate key
      }),
    ).rejects.toThrow();
    expect(await db().selectFrom("thing").selectAll().where("id", "=", "t2").execute()).toEqual([]);
  });

  it("keeps concurrent transactions apart", async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        db().transaction().execute(async (trx) => {
          await trx.insertInto("thing").values({ id: `p${i}`, n: i }).execute();
          const { count } = await trx
            .selectFrom("thing")
            .select((eb) => eb.fn.countAll<number>().as("count"))
            .where("id", "like", "p%")
            .executeTakeFirstOrThrow();
          expect(Number(count)).toBeGreaterThan(0);
        }),
      ),
    );
    const { count } = await db()
      .selectFrom("thing")
      .select((eb) => eb.fn.countAll<number>().as("count"))
      .where("id", "like", "p%")
      .executeTakeFirstOrThrow();
    expect(Number(count)).toBe(20);
  });

  it("stores dates as ISO strings and booleans as 0/1 alike", async () => {
    const at = new Date("2026-11-22T10:00:00.000Z");
    await db().insertInto("thing").values({ id: "d", n: 0, flag: 1, at: at.toISOString() }).execute();
    const row = await db().selectFrom("thing").select(["flag", "at"]).where("id", "=", "d").executeTakeFirstOrThrow();
    expect(row).toEqual({ flag: 1, at: "2026-11-22T10:00:00.000Z" });
  });

  it("runs raw SQL with parameters", async () => {
    const { rows } = await sql<{ v: number }>`select ${41} + 1 as v`.execute(db());
    expect(Number(rows[0].v)).toBe(42);
  });

  it("streams a select in chunks", async () => {
    await db().insertInto("thing").values(Array.from({ length: 25 }, (_, i) => ({ id: `s${String(i).padStart(2, "0")}`, n: i }))).execute();
    const seen: string[] = [];
    for await (const row of db().selectFrom("thing").select("id").where("id", "like", "s%").orderBy("id").stream(10)) seen.push(row.id);
    expect(seen).toHaveLength(25);
    expect(seen[0]).toBe("s00");
    expect(seen[24]).toBe("s24");
  });

  it("introspects tables and columns", async () => {
    const tables = await db().introspection.getTables();
    const thing = tables.find((x) => x.name === "thing");
    expect(thing?.columns.map((c) => c.name).sort()).toEqual(["at", "flag", "id", "n"]);
  });

  it("surfaces errors as rejections and stays usable", async () => {
    await expect(sql`select * from no_such_table`.execute(db())).rejects.toThrow(/no_such_table/);
    const { rows } = await sql<{ v: number }>`select 1 as v`.execute(db());
    expect(Number(rows[0].v)).toBe(1);
  });
});
