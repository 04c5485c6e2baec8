import { sql } from "kysely";
import type { TestDatabase } from "./databases";

/**
 * The tables of this test database only. On PostgreSQL Kysely's introspector
 * lists every schema it may read, and each test database is a schema of its
 * own in one shared database, so other tests' schemas (some half-migrated at
 * that moment) would be listed too.
 */
export async function ownTables(database: TestDatabase) {
  const tables = await database.db.introspection.getTables();
  if (database.kind !== "postgres") return tables;
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(database.db);
  return tables.filter((t) => t.schema === rows[0].schema);
}
