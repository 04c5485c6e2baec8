import { randomUUID } from "node:crypto";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql, type Kysely } from "kysely";
import { afterAll, beforeAll, describe } from "vitest";
import { openDatabase, type DatabaseKind, type Db } from "~/db/db.server";
import { migrateToLatest } from "~/db/migrate.server";

/**
 * The same tests run on the embedded SQLite default and, when
 * TEST_DATABASE_URL=postgres://… is set, on PostgreSQL too.
 */
export const databaseKinds: DatabaseKind[] = process.env.TEST_DATABASE_URL ? ["sqlite", "postgres"] : ["sqlite"];

export interface TestDatabase {
  db: Db;
  kind: DatabaseKind;
  url: string;
  destroy(): Promise<void>;
}

let template: string | undefined;

/** A fresh, migrated database: a copy of a migrated SQLite file, or a new PostgreSQL schema. */
export async function createTestDatabase(kind: DatabaseKind, { migrate = true } = {}): Promise<TestDatabase> {
  if (kind === "sqlite") {
    const dir = mkdtempSync(path.join(tmpdir(), "reclaim-test-"));
    const file = path.join(dir, "test.sqlite");
    if (migrate) copyFileSync(await migratedTemplate(), file);
    const url = `file:${file}`;
    const { db } = openDatabase(url);
    return {
      db,
      kind,
      url,
      async destroy() {
        await db.destroy();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const base = process.env.TEST_DATABASE_URL!;
  const schema = `t_${randomUUID().replaceAll("-", "")}`;
  const admin = openDatabase<any>(base).db;
  await sql`create schema ${sql.id(schema)}`.execute(admin);
  const url = withSearchPath(base, schema);
  const { db } = openDatabase(url);
  if (migrate) await migrateToLatest(db);
  return {
    db,
    kind,
    url,
    async destroy() {
      await db.destroy();
      await sql`drop schema ${sql.id(schema)} cascade`.execute(admin);
      await admin.destroy();
    },
  };
}

export function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set("options", `-c search_path=${schema}`);
  return u.toString();
}

/** Migrating is the slow part; do it once per worker and copy the file. */
async function migratedTemplate(): Promise<string> {
  if (template) return template;
  const dir = mkdtempSync(path.join(tmpdir(), "reclaim-template-"));
  const file = path.join(dir, "template.sqlite");
  const { db } = openDatabase<any>(`file:${file}`);
  await migrateToLatest(db);
  await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db);
  await db.destroy();
  template = file;
  return file;
}

/** `describe` once per database kind, with a fresh migrated database for the block. */
export function describeEachDatabase(title: string, body: (get: () => TestDatabase) => void) {
  describe.each(databaseKinds)(`${title} [%s]`, (kind) => {
    let current: TestDatabase;
    beforeAll(async () => {
      current = await createTestDatabase(kind);
    });
    afterAll(async () => {
      await current?.destroy();
    });
    body(() => current);
  });
}

export type { Db, Kysely };
