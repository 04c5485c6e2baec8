import { createHash } from "node:crypto";
import { PostgresAdapter } from "kysely";
import type { Services } from "~/context";
import type { Db } from "~/db/db.server";
import type { AuditActorKind, AuditLogRow } from "~/db/schema";
import type { Vault } from "~/privacy/vault.server";

/**
 * The tamper-evident audit trail (docs/decisions/009-audit-chain.md).
 *
 * Append-only and hash-chained: each row stores SHA-256 over a canonical
 * encoding of its content and the previous row's hash. Appends are
 * serialised, so concurrent writers never fork the chain: on PostgreSQL the
 * one-row `audit_head` is locked FOR UPDATE inside the appending transaction;
 * on SQLite the dialect's single connection and BEGIN IMMEDIATE already do it.
 * `seq` is assigned inside that critical section: gap-free, so a deleted or
 * moved row is a break too.
 *
 * No personal data in clear: a reason (staff free text) is encrypted; the
 * hash covers a keyed digest of it (the blind index), not its ciphertext, so
 * key rotation re-encrypts it without breaking the chain, and the stored hash
 * gives no way to guess a short reason offline. `details` take ids, counts
 * and flags only.
 */

/** The "previous hash" of the first row. */
export const GENESIS_HASH = "0".repeat(64);
const REASON_CONTEXT = "audit_log.reason_enc";
const REASON_DIGEST_CONTEXT = "audit_log.reason";
const ENCODING_VERSION = "reclaim-audit-v1";

export interface AuditEntry {
  actorKind: AuditActorKind;
  /** The staff user's or API key's id; null for the requester and the system. */
  actorId: string | null;
  organisationId?: string | null;
  /** What was done, as `object.verb`: "case.view", "case.status.change", "case.export". */
  action: string;
  caseId?: string | null;
  /** Why, in the actor's words (encrypted). Needs `services.vault`. */
  reason?: string | null;
  /** Ids, counts and flags; never names, addresses, messages or URLs. */
  details?: Record<string, string | number | boolean | null>;
}

/** Accepts the whole services object; `vault` is needed only when the entry has a reason. */
type AuditDeps = Pick<Services, "db" | "now"> & { vault?: Vault };

/**
 * Append one row to the audit trail. Pass the caller's transaction as `db` to
 * write the row atomically with the change it records (on PostgreSQL the
 * chain's head then stays locked until that transaction ends: keep it short).
 * Inside a transaction always pass it: on SQLite the one connection is held
 * by that transaction, and an append through `services.db` would wait for it.
 */
export async function recordAudit(services: AuditDeps, entry: AuditEntry, db?: Db): Promise<void> {
  const reason = entry.reason?.trim() ? entry.reason : null;
  if (reason !== null && !services.vault) throw new Error("recordAudit: an entry with a reason needs the vault; pass the services object");
  const content = {
    at: services.now().toISOString(),
    actor_kind: entry.actorKind,
    actor_id: entry.actorId,
    organisation_id: entry.organisationId ?? null,
    action: entry.action,
    case_id: entry.caseId ?? null,
    reason_enc: reason === null ? null : services.vault!.encrypt(reason, REASON_CONTEXT),
    details: canonicalJson(entry.details ?? {}),
  };
  const reasonDigest = reason === null ? null : services.vault!.blindIndex(reason, REASON_DIGEST_CONTEXT);

  const append = async (trx: Db) => {
    const head = await lockHead(trx);
    const seq = Number(head.last_seq) + 1;
    const hash = rowHash({ seq, ...content, prev_hash: head.last_hash }, reasonDigest);
    await trx.insertInto("audit_log").values({ seq, ...content, prev_hash: head.last_hash, hash }).execute();
    await trx.updateTable("audit_head").set({ last_seq: seq, last_hash: hash }).where("id", "=", 1).execute();
  };
  const target = db ?? services.db;
  if (target.isTransaction) await append(target);
  else await target.transaction().execute(append);
}

/** The head row, locked for the rest of the transaction on PostgreSQL (SQLite's BEGIN IMMEDIATE already holds the write lock). */
export async function lockHead(trx: Db) {
  const query = trx.selectFrom("audit_head").selectAll().where("id", "=", 1);
  const head = isPostgres(trx) ? await query.forUpdate().executeTakeFirst() : await query.executeTakeFirst();
  if (!head) throw new Error("audit_head is missing: the audit chain cannot be appended to");
  return head;
}

export interface AuditRecord {
  seq: number;
  at: string;
  actorKind: AuditActorKind;
  actorId: string | null;
  organisationId: string | null;
  action: string;
  caseId: string | null;
  reason: string | null;
  details: Record<string, string | number | boolean | null>;
}

/** A case's audit trail, oldest first, reasons decrypted (for supervisors; reading it should itself be audited by the caller). */
export async function readCaseAudit(services: Pick<Services, "db" | "vault">, caseId: string): Promise<AuditRecord[]> {
  const rows = await services.db.selectFrom("audit_log").selectAll().where("case_id", "=", caseId).orderBy("seq").execute();
  return rows.map((row) => ({
    seq: Number(row.seq),
    at: row.at,
    actorKind: row.actor_kind,
    actorId: row.actor_id,
    organisationId: row.organisation_id,
    action: row.action,
    caseId: row.case_id,
    reason: row.reason_enc ? services.vault.decrypt(row.reason_enc, REASON_CONTEXT) : null,
    details: JSON.parse(row.details),
  }));
}

export type AuditVerification =
  | { ok: true; rows: number; firstSeq: number | null; lastSeq: number; headHash: string }
  | { ok: false; seq: number; problem: string; rows: number };

/**
 * Walk the chain in order, in batches, and check every link: each row's
 * sequence follows the previous one, its prev_hash is the previous row's
 * hash, its hash matches its content, and the last row is the head.
 */
export async function verifyAuditChain(
  services: Pick<Services, "db" | "vault">,
  { batchSize = 1000 }: { batchSize?: number } = {},
): Promise<AuditVerification> {
  const { db, vault } = services;
  const head = await db.selectFrom("audit_head").selectAll().where("id", "=", 1).executeTakeFirst();
  if (!head) return { ok: false, seq: 0, problem: "the chain's head row is missing", rows: 0 };
  let expectedSeq = Number(head.pruned_seq) + 1;
  let expectedPrev = head.pruned_hash;
  let rows = 0;
  let firstSeq: number | null = null;
  let after = Number.MIN_SAFE_INTEGER;

  for (;;) {
    const batch = await db.selectFrom("audit_log").selectAll().where("seq", ">", after).orderBy("seq").limit(batchSize).execute();
    for (const row of batch) {
      const seq = Number(row.seq);
      firstSeq ??= seq;
      const problem = checkRow(row, expectedSeq, expectedPrev, vault);
      if (problem) return { ok: false, seq: problem.seq, problem: problem.text, rows };
      rows++;
      expectedSeq = seq + 1;
      expectedPrev = row.hash;
    }
    if (batch.length < batchSize) break;
    after = Number(batch[batch.length - 1].seq);
  }

  const lastSeq = expectedSeq - 1;
  if (lastSeq !== Number(head.last_seq) || expectedPrev !== head.last_hash) {
    return {
      ok: false,
      seq: lastSeq + 1,
      problem: `the chain ends at row ${lastSeq}, but its head says row ${head.last_seq}: rows at the end are missing or the head was changed`,
      rows,
    };
  }
  return { ok: true, rows, firstSeq, lastSeq, headHash: head.last_hash };
}

/** Why a row does not continue the chain, or null when it does. */
export function checkRow(row: AuditLogRow, expectedSeq: number, expectedPrev: string, vault: Vault): { seq: number; text: string } | null {
  const seq = Number(row.seq);
  if (seq !== expectedSeq) {
    return seq > expectedSeq
      ? { seq: expectedSeq, text: `row ${expectedSeq} is missing (the next row is ${seq})` }
      : { seq, text: `row ${seq} is out of order` };
  }
  if (row.prev_hash !== expectedPrev) return { seq, text: `row ${seq} does not link to the row before it (prev_hash differs)` };
  let digest: string | null = null;
  if (row.reason_enc !== null) {
    try {
      digest = vault.blindIndex(vault.decrypt(row.reason_enc, REASON_CONTEXT), REASON_DIGEST_CONTEXT);
    } catch {
      return { seq, text: `row ${seq}'s reason cannot be decrypted with the configured keys` };
    }
  }
  if (rowHash(row, digest) !== row.hash) return { seq, text: `row ${seq} was altered (its hash does not match its content)` };
  return null;
}

/**
 * SHA-256 over a canonical encoding: a JSON array in fixed order, so no two
 * different rows encode alike (JSON escapes every separator).
 */
export function rowHash(
  row: Pick<AuditLogRow, "seq" | "at" | "actor_kind" | "actor_id" | "organisation_id" | "action" | "case_id" | "details" | "prev_hash">,
  reasonDigest: string | null,
): string {
  const encoded = JSON.stringify([
    ENCODING_VERSION,
    Number(row.seq),
    row.at,
    row.actor_kind,
    row.actor_id,
    row.organisation_id,
    row.action,
    row.case_id,
    reasonDigest,
    row.details,
    row.prev_hash,
  ]);
  return createHash("sha256").update(encoded, "utf8").digest("hex");
}

/** JSON with keys sorted, so equal details always store (and hash) alike. */
export function canonicalJson(details: Record<string, string | number | boolean | null>): string {
  const sorted = Object.keys(details)
    .sort()
    .map((key) => [key, details[key] === undefined ? null : details[key]] as const);
  return JSON.stringify(Object.fromEntries(sorted));
}

function isPostgres(db: Db): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
