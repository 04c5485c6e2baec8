import { openDatabase } from "~/db/db.server";
import { migrateToLatest } from "~/db/migrate.server";
import { loadEnv } from "~/env.server";

export async function migrateDatabase(out: (line: string) => void): Promise<number> {
  const env = loadEnv();
  const { db, kind } = openDatabase(env.DATABASE_URL);
  try {
    const { results = [] } = await migrateToLatest(db);
    for (const r of results) out(`${r.status === "Success" ? "applied" : r.status}: ${r.migrationName}`);
    out(results.length ? `Database (${kind}) is up to date.` : `Database (${kind}) was already up to date.`);
    return 0;
  } finally {
    await db.destroy();
  }
}
