import { checkRow, lockHead, recordAudit } from "~/audit/audit.server";
import { CLOSED_STATUSES } from "~/cases/cases.server";
import type { Services } from "~/context";
import type { CaseStatus } from "~/db/schema";
import type { Env } from "~/env.server";
import { reduceCaseToStatistics } from "./erasure.server";

/**
 * Retention, enforced (docs/decisions/008-retention.md). Every rule is a
 * query on a deadline, so a run is idempotent: running twice deletes nothing
 * more, and an interrupted run leaves only whole batches done. Each batch is
 * bounded and commits on its own. The log gets counts, never data.
 *
 *  - unfinished requests: when the draft expires (24 hours after the last step)
 *  - requester and staff sessions, rate-limit counters: when they expire
 *  - withdrawn cases: RETENTION_WITHDRAWN_DAYS (30) after withdrawal
 *  - completed and rejected cases: RETENTION_CLOSED_DAYS (365) after closing
 *    → reduced to anonymous statistics: identity, contact, messages, items, timeline deleted
 *  - cases whose requester asked for erasure during a legal hold: as soon as the hold ends
 *  - delivered (and finally failed) e-mails: RETENTION_MAIL_DAYS (30) after sending
 *  - audit rows: RETENTION_AUDIT_DAYS (730), oldest first
 *
 * A legal hold on a case suspends all of it for that case, and for the audit
 * rows that name it.
 */

export interface RetentionPolicy {
  withdrawnDays: number;
  closedDays: number;
  mailDays: number;
  auditDays: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { withdrawnDays: 30, closedDays: 365, mailDays: 30, auditDays: 730 };

export function retentionPolicy(env: Partial<Pick<Env, "RETENTION_WITHDRAWN_DAYS" | "RETENTION_CLOSED_DAYS" | "RETENTION_MAIL_DAYS" | "RETENTION_AUDIT_DAYS">>): RetentionPolicy {
  return {
    withdrawnDays: env.RETENTION_WITHDRAWN_DAYS ?? DEFAULT_RETENTION.withdrawnDays,
    closedDays: env.RETENTION_CLOSED_DAYS ?? DEFAULT_RETENTION.closedDays,
    mailDays: env.RETENTION_MAIL_DAYS ?? DEFAULT_RETENTION.mailDays,
    auditDays: env.RETENTION_AUDIT_DAYS ?? DEFAULT_RETENTION.auditDays,
  };
}

const DAY_MS = 24 * 60 * 60 * 1000;
const daysBefore = (now: Date, days: number) => new Date(now.getTime() - days * DAY_MS).toISOString();

/** When a case closed at `closedAt` with `status` is reduced to statistics; null while it is open. */
export function retentionDeadline(status: CaseStatus, closedAt: string | null, policy: RetentionPolicy): string | null {
  if (!closedAt || !CLOSED_STATUSES.includes(status)) return null;
  const days = status === "withdrawn" ? policy.withdrawnDays : policy.closedDays;
  return new Date(Date.parse(closedAt) + days * DAY_MS).toISOString();
}

export interface RetentionCounts {
  drafts: number;
  caseSessions: number;
  staffSessions: number;
  rateLimits: number;
  mails: number;
  casesScheduled: number;
  casesReduced: number;
  /** Cases past their deadline that a legal hold keeps. */
  casesHeld: number;
  auditRows: number;
}

export interface RetentionRun {
  counts: RetentionCounts;
  /** False when maxBatches stopped a rule before it was done: run again. */
  complete: boolean;
}

export interface RetentionOptions {
  batchSize?: number;
  /** Per rule: stop after this many batches (the server's daily run has no limit). */
  maxBatches?: number;
  policy?: RetentionPolicy;
  /** Where the summary line goes (counts only). */
  log?: (line: string) => void;
}

type Deps = Pick<Services, "db" | "now" | "vault"> & { env?: Services["env"] };

export async function runRetention(services: Deps, options: RetentionOptions = {}): Promise<RetentionRun> {
  const { batchSize = 100, maxBatches = Number.POSITIVE_INFINITY, log = () => {} } = options;
  const policy = options.policy ?? retentionPolicy(services.env ?? {});
  const { db } = services;
  const now = services.now();
  const nowIso = now.toISOString();
  let complete = true;

  /**
   * Run `batch` until it sees fewer than batchSize rows (the rule is done) or
   * the limit is reached; returns how many rows it acted on. A batch returns
   * a number when it acted on every row it saw.
   */
  const repeat = async (batch: () => Promise<number | { seen: number; done: number }>): Promise<number> => {
    let total = 0;
    for (let n = 0; ; n++) {
      if (n >= maxBatches) {
        complete = false;
        return total;
      }
      const result = await batch();
      const { seen, done } = typeof result === "number" ? { seen: result, done: result } : result;
      total += done;
      if (seen < batchSize) return total;
    }
  };

  const counts: RetentionCounts = {
    drafts: await repeat(async () => {
      const ids = await db.selectFrom("request_draft").select("id").where("expires_at", "<=", nowIso).orderBy("id").limit(batchSize).execute();
      if (ids.length) await db.deleteFrom("request_draft").where("id", "in", ids.map((r) => r.id)).where("expires_at", "<=", nowIso).execute();
      return ids.length;
    }),
    caseSessions: await repeat(async () => {
      const ids = await db.selectFrom("case_session").select("id").where("expires_at", "<=", nowIso).orderBy("id").limit(batchSize).execute();
      if (ids.length) await db.deleteFrom("case_session").where("id", "in", ids.map((r) => r.id)).where("expires_at", "<=", nowIso).execute();
      return ids.length;
    }),
    staffSessions: await repeat(async () => {
      const ids = await db.selectFrom("staff_session").select("id").where("expires_at", "<=", nowIso).orderBy("id").limit(batchSize).execute();
      if (ids.length) await db.deleteFrom("staff_session").where("id", "in", ids.map((r) => r.id)).where("expires_at", "<=", nowIso).execute();
      return ids.length;
    }),
    rateLimits: await repeat(async () => {
      const keys = await db.selectFrom("rate_limit").select("key").where("expires_at", "<=", nowIso).orderBy("key").limit(batchSize).execute();
      if (keys.length) await db.deleteFrom("rate_limit").where("key", "in", keys.map((r) => r.key)).where("expires_at", "<=", nowIso).execute();
      return keys.length;
    }),
    mails: await repeat(async () => {
      const cutoff = daysBefore(now, policy.mailDays);
      const ids = await db
        .selectFrom("outbox")
        .select("id")
        .where((eb) =>
          eb.or([
            eb.and([eb("status", "=", "sent"), eb("sent_at", "<=", cutoff)]),
            // A mail given up on still holds an address: it goes after the same time.
            eb.and([eb("status", "=", "failed"), eb("created_at", "<=", cutoff)]),
          ]),
        )
        .orderBy("id")
        .limit(batchSize)
        .execute();
      if (ids.length) await db.deleteFrom("outbox").where("id", "in", ids.map((r) => r.id)).where("status", "!=", "pending").execute();
      return ids.length;
    }),
    casesScheduled: await repeat(() => scheduleClosedCases(services, policy, batchSize)),
    casesReduced: 0,
    casesHeld: 0,
    auditRows: 0,
  };

  // Reopened cases lose a deadline they no longer have.
  await repeat(async () => {
    const ids = await db.selectFrom("case").select("id").where("closed_at", "is", null).where("retention_until", "is not", null).limit(batchSize).execute();
    if (ids.length) await db.updateTable("case").set({ retention_until: null }).where("id", "in", ids.map((r) => r.id)).where("closed_at", "is", null).execute();
    return ids.length;
  });

  counts.casesReduced = await repeat(async () => {
    const due = await db
      .selectFrom("case")
      .select("id")
      .where("legal_hold", "=", 0)
      .where((eb) => eb.or([eb("retention_until", "<=", nowIso), eb("erasure_requested_at", "is not", null)]))
      .orderBy("id")
      .limit(batchSize)
      .execute();
    let reduced = 0;
    // A case another process reduced first is seen but not counted.
    for (const { id } of due) if (await reduceCaseToStatistics(services, id, "retention")) reduced++;
    return { seen: due.length, done: reduced };
  });

  const held = await db
    .selectFrom("case")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("legal_hold", "=", 1)
    .where((eb) => eb.or([eb("retention_until", "<=", nowIso), eb("erasure_requested_at", "is not", null)]))
    .executeTakeFirstOrThrow();
  counts.casesHeld = Number(held.n);

  const audit = { broken: null as string | null };
  counts.auditRows = await repeat(() => pruneAudit(services, daysBefore(now, policy.auditDays), batchSize, audit));

  log(summary(counts, complete));
  if (audit.broken) log(`retention: audit rows not pruned: ${audit.broken}; run npx reclaim audit:verify`);

  const changed = Object.entries(counts).some(([key, value]) => key !== "casesHeld" && value > 0);
  if (changed) {
    await recordAudit(services, { actorKind: "system", actorId: null, action: "retention.run", details: { ...counts, complete } });
  }
  return { counts, complete };
}

/** Give closed cases without a deadline their deadline (cases are closed by several code paths; the job makes sure). */
async function scheduleClosedCases(services: Deps, policy: RetentionPolicy, batchSize: number): Promise<number> {
  const rows = await services.db
    .selectFrom("case")
    .select(["id", "status", "closed_at"])
    .where("closed_at", "is not", null)
    .where("retention_until", "is", null)
    .where("status", "in", CLOSED_STATUSES)
    .orderBy("id")
    .limit(batchSize)
    .execute();
  for (const row of rows) {
    await services.db
      .updateTable("case")
      .set({ retention_until: retentionDeadline(row.status, row.closed_at, policy) })
      .where("id", "=", row.id)
      .where("retention_until", "is", null)
      .execute();
  }
  return rows.length;
}

/**
 * Prune the oldest audit rows, a prefix of the chain at a time, so what
 * remains still verifies: the head remembers the last pruned row's hash and
 * the chain resumes from it. Rows are checked before they go (tampering is
 * not erased by waiting), and pruning stops at the first row that is too
 * young or names a case under legal hold.
 */
async function pruneAudit(services: Deps, cutoff: string, batchSize: number, state: { broken: string | null }): Promise<{ seen: number; done: number }> {
  if (state.broken) return { seen: 0, done: 0 };
  return services.db.transaction().execute(async (trx) => {
    const head = await lockHead(trx);
    const rows = await trx
      .selectFrom("audit_log")
      .leftJoin("case", "case.id", "audit_log.case_id")
      .selectAll("audit_log")
      .select("case.legal_hold")
      .where("audit_log.seq", ">", head.pruned_seq)
      .orderBy("audit_log.seq")
      .limit(batchSize)
      .execute();
    let expectedSeq = Number(head.pruned_seq) + 1;
    let prev = head.pruned_hash;
    let last: { seq: number; hash: string } | null = null;
    let count = 0;
    for (const row of rows) {
      if (row.at > cutoff || row.legal_hold === 1) break;
      const problem = checkRow(row, expectedSeq, prev, services.vault);
      if (problem) {
        state.broken = `the chain is broken at row ${problem.seq}`;
        break;
      }
      last = { seq: Number(row.seq), hash: row.hash };
      expectedSeq = last.seq + 1;
      prev = row.hash;
      count++;
    }
    if (last) {
      await trx.deleteFrom("audit_log").where("seq", ">", head.pruned_seq).where("seq", "<=", last.seq).execute();
      await trx.updateTable("audit_head").set({ pruned_seq: last.seq, pruned_hash: last.hash }).where("id", "=", 1).execute();
    }
    // Stopped early (a young or held row, or a break): report a short batch so the rule ends.
    return { seen: count === rows.length ? rows.length : 0, done: count };
  });
}

function summary(c: RetentionCounts, complete: boolean): string {
  return (
    `retention: deleted ${c.drafts} unfinished requests, ${c.caseSessions + c.staffSessions} sessions, ${c.rateLimits} rate-limit counters, ` +
    `${c.mails} e-mails, ${c.auditRows} audit rows; scheduled ${c.casesScheduled} closed cases; ` +
    `reduced ${c.casesReduced} cases to statistics; ${c.casesHeld} kept by a legal hold` +
    (complete ? "." : "; more remain (batch limit reached).")
  );
}

/** Set or lift a legal hold (staff only; the caller checks permission). Audited with the reason. */
export async function setLegalHold(
  services: Pick<Services, "db" | "now" | "vault">,
  caseId: string,
  { hold, reason, staffId, organisationId }: { hold: boolean; reason: string; staffId: string; organisationId?: string | null },
): Promise<void> {
  const at = services.now().toISOString();
  await services.db.transaction().execute(async (trx) => {
    await trx
      .updateTable("case")
      .set({
        legal_hold: hold ? 1 : 0,
        legal_hold_reason_enc: hold ? services.vault.encrypt(reason, "case.legal_hold_reason_enc") : null,
        legal_hold_at: at,
        legal_hold_by: staffId,
        updated_at: at,
      })
      .where("id", "=", caseId)
      .execute();
    await recordAudit(
      services,
      { actorKind: "staff", actorId: staffId, organisationId: organisationId ?? null, action: hold ? "case.legal_hold.set" : "case.legal_hold.lift", caseId, reason },
      trx,
    );
  });
}

/** Daily, from the server: runs shortly after start, then every `intervalMs`; passes never overlap; the timer never holds the process. */
export function startRetentionWorker(services: Deps & { env: Services["env"] }, intervalMs = DAY_MS, firstDelayMs = 60_000): () => Promise<void> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const level = services.env.LOG_LEVEL;
  const schedule = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(tick, delay);
    timer.unref();
  };
  const tick = () => {
    running = runRetention(services, { log: (line) => level === "info" && console.info(line) })
      .then(
        () => undefined,
        // The error's class only: a message could quote a value.
        (error: unknown) => {
          if (level !== "silent") console.error(`retention: run failed (${error instanceof Error ? error.name : "error"})`);
        },
      )
      .finally(() => schedule(intervalMs));
  };
  schedule(firstDelayMs);
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}
