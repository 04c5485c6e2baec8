import { readdirSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Migrator, PostgresAdapter, sql, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from "kysely";

export const MIGRATIONS_DIR = path.resolve(process.cwd(), "migrations");

/**
 * Kysely's FileMigrationProvider imports from inside node_modules, where
 * neither tsx nor vitest can load TypeScript; importing from here lets both.
 */
class TypeScriptMigrationProvider implements MigrationProvider {
  constructor(private readonly folder: string) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const migrations: Record<string, Migration> = {};
    for (const file of readdirSync(this.folder).sort()) {
      if (!/\.(ts|js)$/.test(file) || file.endsWith(".d.ts")) continue;
      const module = await import(/* @vite-ignore */ pathToFileURL(path.join(this.folder, file)).href);
      migrations[file.replace(/\.(ts|js)$/, "")] = module;
    }
    return migrations;
  }
}

export async function createMigrator(db: Kysely<any>, folder = MIGRATIONS_DIR): Promise<Migrator> {
  return new Migrator({
    db,
    provider: new TypeScriptMigrationProvider(folder),
    // On PostgreSQL, Kysely would find its bookkeeping tables in any schema;
    // pin them to the schema the app works in.
    migrationTableSchema: await currentPostgresSchema(db),
  });
}

async function currentPostgresSchema(db: Kysely<any>): Promise<string | undefined> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return undefined;
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  return rows[0].schema;
}

/** Apply every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<any>, folder?: string): Promise<MigrationResultSet> {
  const result = await (await createMigrator(db, folder)).migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === "Error");
    const reason = result.error instanceof Error ? result.error.message : String(result.error);
    throw new Error(`Migration ${failed?.migrationName ?? "(unknown)"} failed: ${reason}`);
  }
  return result;
}
