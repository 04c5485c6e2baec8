import { mkdirSync } from "node:fs";
import path from "node:path";
import { CompiledQuery, Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import Cursor from "pg-cursor";
import type { Database } from "./schema";
import { Sqlite3Dialect } from "./sqlite3-dialect.server";

export type Db = Kysely<Database>;
export type DatabaseKind = "sqlite" | "postgres";

/**
 * Open the database that DATABASE_URL names: `file:PATH` for the embedded
 * SQLite default, `postgres://…` for the scaling path. Nothing else in the app
 * knows which one runs.
 */
export function openDatabase<T = Database>(url: string): { db: Kysely<T>; kind: DatabaseKind } {
  if (url.startsWith("file:")) {
    const filename = sqliteFilename(url);
    if (filename !== ":memory:") mkdirSync(path.dirname(filename), { recursive: true });
    const dialect = new Sqlite3Dialect({
      filename,
      async onCreateConnection(connection) {
        // WAL lets readers in other processes (the CLI) work while the server writes;
        // the busy timeout makes a second writer wait instead of failing at once.
        for (const pragma of ["journal_mode = WAL", "foreign_keys = ON", "busy_timeout = 5000", "synchronous = NORMAL"]) {
          await connection.executeQuery(CompiledQuery.raw(`pragma ${pragma}`));
        }
      },
    });
    return { db: new Kysely<T>({ dialect }), kind: "sqlite" };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    const pool = new pg.Pool({
      connectionString: url,
      max: 10,
      // Counts come back as int8; numbers are what the app expects, and counts fit.
      types: { getTypeParser: (oid: number, format?: any) => (oid === 20 ? Number : pg.types.getTypeParser(oid, format)) } as any,
    });
    return { db: new Kysely<T>({ dialect: new PostgresDialect({ pool, cursor: Cursor }) }), kind: "postgres" };
  }
  throw new Error(`DATABASE_URL must be file:PATH or postgres://…`);
}

export function sqliteFilename(url: string): string {
  const rest = url.slice("file:".length);
  return rest === ":memory:" ? rest : path.resolve(rest);
}

/** Cheap liveness check for /healthz. */
export async function pingDatabase(db: Kysely<any>): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}
