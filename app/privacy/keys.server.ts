import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { sql } from "kysely";
import type { Services } from "~/context";
import { annotations } from "./annotations";

/**
 * Key rotation (docs/decisions/007-key-rotation.md). A new key goes first in
 * RECLAIM_DATA_KEYS, so new values use it at once; `rotateKeys` then
 * re-encrypts every stored value still under an older key.
 *
 * It keeps no state of its own: each batch selects values whose stored
 * prefix is not `v1.<current key id>.`, so an interrupted run simply resumes
 * where the values still need it. Each batch commits on its own, and each
 * update is conditional on the value being unchanged, so the portal can keep
 * writing meanwhile. Blind indexes are untouched: they depend on the index
 * key, which is not rotated.
 */

export interface EncryptedColumn {
  table: string;
  column: string;
  primaryKey: string;
  /** The associated data the vault binds the value to: `table.column`. */
  context: string;
}

/** Every encrypted column, from the privacy annotations (a test checks they match the schema). */
export function encryptedColumns(): EncryptedColumn[] {
  return Object.entries(annotations).flatMap(([table, annotation]) =>
    Object.entries(annotation.columns)
      .filter(([column, a]) => a.encrypted && column.endsWith("_enc"))
      .map(([column]) => ({ table, column, primaryKey: annotation.primaryKey ?? "id", context: `${table}.${column}` })),
  );
}

type Deps = Pick<Services, "db" | "vault">;

const notCurrent = (vault: Deps["vault"], column: string) => {
  const prefix = `v1.${vault.currentKeyId}.`;
  return sql<boolean>`(${sql.ref(column)} is not null and substr(${sql.ref(column)}, 1, ${sql.lit(prefix.length)}) <> ${prefix})`;
};

/** How many values of each encrypted column are still under an older key. */
export async function keyRotationStatus(services: Deps): Promise<Array<EncryptedColumn & { remaining: number }>> {
  const db = services.db as unknown as import("kysely").Kysely<any>;
  const result = [];
  for (const c of encryptedColumns()) {
    const row = await db
      .selectFrom(c.table)
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where(notCurrent(services.vault, c.column))
      .executeTakeFirstOrThrow();
    result.push({ ...c, remaining: Number(row.n) });
  }
  return result;
}

export interface RotationOptions {
  batchSize?: number;
  /** Stop after this many batches in all (to spread the work, or in tests to interrupt). */
  maxBatches?: number;
  onProgress?: (line: string) => void;
  /** Called after each committed batch (tests inject failures here). */
  afterBatch?: (info: { table: string; column: string; count: number }) => void | Promise<void>;
}

export interface RotationResult {
  reencrypted: number;
  /** Values no configured key can decrypt: left as they are, and named by row. */
  failures: Array<{ table: string; column: string; id: string }>;
  complete: boolean;
}

export async function rotateKeys(services: Deps, options: RotationOptions = {}): Promise<RotationResult> {
  const { batchSize = 200, maxBatches = Number.POSITIVE_INFINITY, onProgress = () => {}, afterBatch } = options;
  const { vault } = services;
  const db = services.db as unknown as import("kysely").Kysely<any>;
  const result: RotationResult = { reencrypted: 0, failures: [], complete: true };
  let batches = 0;

  for (const c of encryptedColumns()) {
    let done = 0;
    let cursor: string | number | undefined;
    for (;;) {
      if (batches >= maxBatches) {
        result.complete = false;
        return result;
      }
      let query = db
        .selectFrom(c.table)
        .select([`${c.primaryKey} as pk`, `${c.column} as value`])
        .where(notCurrent(vault, c.column))
        .orderBy(c.primaryKey)
        .limit(batchSize);
      if (cursor !== undefined) query = query.where(c.primaryKey, ">", cursor);
      const rows = (await query.execute()) as Array<{ pk: string | number; value: string }>;
      if (rows.length === 0) break;

      const count = await db.transaction().execute(async (trx) => {
        let changed = 0;
        for (const row of rows) {
          let fresh: string;
          try {
            fresh = vault.encrypt(vault.decrypt(row.value, c.context), c.context);
          } catch {
            result.failures.push({ table: c.table, column: c.column, id: String(row.pk) });
            continue;
          }
          const updated = await trx
            .updateTable(c.table)
            .set({ [c.column]: fresh })
            .where(c.primaryKey, "=", row.pk)
            .where(c.column, "=", row.value)
            .executeTakeFirst();
          changed += Number(updated.numUpdatedRows);
        }
        return changed;
      });
      batches++;
      done += count;
      result.reencrypted += count;
      cursor = rows[rows.length - 1].pk;
      await afterBatch?.({ table: c.table, column: c.column, count });
      if (rows.length < batchSize) break;
    }
    if (done) onProgress(`  ${c.table}.${c.column}: ${done} re-encrypted`);
  }
  return result;
}

/** A fresh data key entry, `id:base64`, for RECLAIM_DATA_KEYS. */
export function newDataKey(): string {
  // A random id: two keys made in the same millisecond must not share one.
  return `k${randomBytes(6).toString("hex")}:${randomBytes(32).toString("base64")}`;
}

/** For the embedded default: put a new key first in the generated secrets file (mode 0600). */
export function installGeneratedKey(dataDir: string, entry: string): string {
  const file = path.join(dataDir, "secrets.json");
  const stored: Record<string, string> = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
  stored.RECLAIM_DATA_KEYS = stored.RECLAIM_DATA_KEYS ? `${entry},${stored.RECLAIM_DATA_KEYS}` : entry;
  writeFileSync(file, JSON.stringify(stored, null, 2) + "\n", { mode: 0o600 });
  return file;
}
