import { PostgresAdapter } from "kysely";
import type { Db } from "~/db/db.server";

/**
 * Sighting sequence numbers (docs/decisions/012-sightings-and-matching.md).
 *
 * Every new sighting gets the next integer from the one-row
 * `sighting_sequence` table, inside the transaction that inserts it. The
 * row is locked from the start of that transaction until it commits (FOR
 * UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE holds the write lock
 * anyway), so writers of sightings take turns and numbers become visible in
 * commit order. A reader that has seen every sighting up to N can ask for
 * `seq > N` and never miss one, which is what keeps each server's in-memory
 * PDQ index current. The numbers are also the index's ids (< 2^32).
 */

/** Lock the counter for the rest of the transaction and return the last number handed out. */
export async function lockSightingSequence(trx: Db): Promise<number> {
  if (!trx.isTransaction) throw new Error("lockSightingSequence: call it inside a transaction");
  const query = trx.selectFrom("sighting_sequence").select("last_seq").where("id", "=", 1);
  const row = trx.getExecutor().adapter instanceof PostgresAdapter ? await query.forUpdate().executeTakeFirst() : await query.executeTakeFirst();
  if (!row) throw new Error("sighting_sequence is missing: run the migrations");
  return Number(row.last_seq);
}

/**
 * Reserve `count` numbers after `last` (what lockSightingSequence returned):
 * returns the first one. Call once per transaction, after locking.
 */
export async function advanceSightingSequence(trx: Db, last: number, count: number): Promise<number> {
  if (count > 0) await trx.updateTable("sighting_sequence").set({ last_seq: last + count }).where("id", "=", 1).execute();
  return last + 1;
}

/** Lock, reserve and return `count` numbers in one go (for callers that insert a known number of sightings). */
export async function allocateSightingSeqs(trx: Db, count: number): Promise<number[]> {
  const last = await lockSightingSequence(trx);
  const first = await advanceSightingSequence(trx, last, count);
  return Array.from({ length: count }, (_, i) => first + i);
}

/** The last sequence number committed so far. */
export async function lastSightingSeq(db: Db): Promise<number> {
  const row = await db.selectFrom("sighting_sequence").select("last_seq").where("id", "=", 1).executeTakeFirst();
  return Number(row?.last_seq ?? 0);
}
