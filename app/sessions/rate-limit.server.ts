import { isIPv4, isIPv6 } from "node:net";
import { sql, type Transaction } from "kysely";
import type { Services } from "~/context";
import type { Database } from "~/db/schema";

/**
 * Brute-force protection for signing in with a case reference and secret.
 *
 * Failures are counted per client and per reference, each in a window that
 * starts with its first failure and lasts an hour. A reference is counted
 * whether or not a case has it, so the limiter's answers never reveal which
 * references exist. Keys are keyed hashes (HMAC): neither client addresses
 * nor references are stored.
 *
 * A sign-in claims its attempt before the secret is checked (claimSignInAttempt):
 * the attempt is counted as a failure up front, atomically with the check, so
 * a burst of parallel guesses cannot all pass the check before the first
 * failure is recorded. A successful sign-in then takes its count back
 * (recordSignInSuccess).
 */

/** At most this many failures per reference in a window. */
export const REFERENCE_FAILURE_LIMIT = 10;
/** At most this many failures per client in a window. */
export const CLIENT_FAILURE_LIMIT = 30;
/** A window lasts an hour from its first failure; then the counter starts again. */
export const FAILURE_WINDOW_SECONDS = 60 * 60;
/** From this many consecutive failures on a reference, each next attempt waits 2^(failures - 3) seconds… */
export const FIRST_DELAYED_FAILURE = 3;
/**
 * A client address is often shared (a shelter's or a school's network), so its
 * delays start later: guessing at one reference is stopped by the reference's
 * own counter; the client's catches spraying across many references.
 */
export const CLIENT_FIRST_DELAYED_FAILURE = 10;
/** …but never longer than 15 minutes. */
export const MAX_DELAY_SECONDS = 15 * 60;

export interface SignInAttempt {
  /** The client's address as the server saw it. */
  clientAddress: string;
  /** The reference as normalised by the sign-in (digits only). */
  reference: string;
}

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** The wait before the next attempt after `failures` consecutive failures. */
export function delayAfterFailures(failures: number, firstDelayed = FIRST_DELAYED_FAILURE): number {
  if (failures < firstDelayed) return 0;
  return Math.min(2 ** (failures - firstDelayed), MAX_DELAY_SECONDS);
}

interface Counter {
  key: string;
  limit: number;
  firstDelayed: number;
}

/** Client first, then reference: every transaction takes the row locks in this order, so none deadlock. */
function countersFor(services: Services, attempt: SignInAttempt): [Counter, Counter] {
  return [
    { key: `signin-client:${services.vault.blindIndex(clientKey(attempt.clientAddress), "rate_limit.signin.client")}`, limit: CLIENT_FAILURE_LIMIT, firstDelayed: CLIENT_FIRST_DELAYED_FAILURE },
    referenceCounter(services, attempt.reference),
  ];
}

function referenceCounter(services: Services, reference: string): Counter {
  return { key: `signin-reference:${services.vault.blindIndex(reference, "rate_limit.signin.reference")}`, limit: REFERENCE_FAILURE_LIMIT, firstDelayed: FIRST_DELAYED_FAILURE };
}

/**
 * Whether a sign-in may be tried now, without counting anything (for showing
 * the form with a "please wait" message, say).
 */
export async function checkSignInAllowed(services: Services, attempt: SignInAttempt): Promise<RateLimitDecision> {
  const now = services.now();
  const counters = countersFor(services, attempt);
  const rows = await services.db
    .selectFrom("rate_limit")
    .selectAll()
    .where("key", "in", counters.map((c) => c.key))
    .execute();
  let waitUntil = now.getTime();
  for (const counter of counters) {
    const row = rows.find((r) => r.key === counter.key);
    if (!row || row.expires_at <= now.toISOString()) continue;
    const until = row.failures >= counter.limit ? row.expires_at : row.next_attempt_at;
    waitUntil = Math.max(waitUntil, Date.parse(until));
  }
  if (waitUntil <= now.getTime()) return { allowed: true };
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((waitUntil - now.getTime()) / 1000)) };
}

/**
 * Check and count in one step: when both counters allow an attempt, count it
 * as a failure on both and say so; otherwise count nothing and say how long
 * to wait. Atomic under concurrency on both databases.
 */
export async function claimSignInAttempt(services: Services, attempt: SignInAttempt): Promise<RateLimitDecision> {
  const now = services.now();
  const counters = countersFor(services, attempt);
  const claimed = await services.db
    .transaction()
    .execute(async (trx) => {
      for (const counter of counters) {
        if (!(await countFailure(trx, counter, now, true))) throw new NotClaimed();
      }
      return true;
    })
    .catch((error: unknown) => {
      if (error instanceof NotClaimed) return false;
      throw error;
    });
  if (claimed) return { allowed: true };
  const decision = await checkSignInAllowed(services, attempt);
  // A concurrent attempt took the last slot between the claim and the read: wait a second.
  return decision.allowed ? { allowed: false, retryAfterSeconds: 1 } : decision;
}

/** Count a failed sign-in on both counters, whatever their state. */
export async function recordSignInFailure(services: Services, attempt: SignInAttempt): Promise<void> {
  const now = services.now();
  await services.db.transaction().execute(async (trx) => {
    for (const counter of countersFor(services, attempt)) await countFailure(trx, counter, now, false);
  });
}

/**
 * A successful sign-in clears the reference's counter. The client's counter
 * is not cleared, so an attacker with a case of their own cannot reset it by
 * signing in to that case between guesses.
 */
export async function clearSignInFailures(services: Services, attempt: Pick<SignInAttempt, "reference">): Promise<void> {
  await services.db.deleteFrom("rate_limit").where("key", "=", referenceCounter(services, attempt.reference).key).execute();
}

/**
 * After a claimed attempt succeeded: clear the reference's counter and take
 * back the failure the claim counted on the client (its delay stays).
 */
export async function recordSignInSuccess(services: Services, attempt: SignInAttempt): Promise<void> {
  const now = services.now().toISOString();
  const [client] = countersFor(services, attempt);
  await clearSignInFailures(services, attempt);
  await services.db
    .updateTable("rate_limit")
    .set((eb) => ({ failures: eb("failures", "-", 1) }))
    .where("key", "=", client.key)
    .where("failures", ">", 0)
    .where("expires_at", ">", now)
    .execute();
}

/** Housekeeping for the retention job: counters past their window say nothing any more. */
export async function deleteExpiredRateLimits(services: Services): Promise<number> {
  const result = await services.db.deleteFrom("rate_limit").where("expires_at", "<=", services.now().toISOString()).executeTakeFirst();
  return Number(result.numDeletedRows);
}

class NotClaimed extends Error {}

/**
 * One upsert: a new counter starts a window; an expired one starts a new
 * window; a live one counts one more failure and pushes the next attempt out.
 * Timestamps are computed here, not in SQL (docs/decisions/002): the next
 * attempt time for each possible count is passed in as a CASE.
 * With `onlyIfAllowed`, a counter at its limit or inside its delay is left
 * alone, and the result says whether the failure was counted.
 */
async function countFailure(trx: Transaction<Database>, counter: Counter, now: Date, onlyIfAllowed: boolean): Promise<boolean> {
  const at = (seconds: number) => new Date(now.getTime() + seconds * 1000).toISOString();
  const nowIso = now.toISOString();
  const windowEnd = at(FAILURE_WINDOW_SECONDS);
  const expired = sql<boolean>`rate_limit.expires_at <= ${nowIso}`;
  const next = sql<number>`rate_limit.failures + 1`;

  // Counts from the counter's first delayed failure up to the first capped one; every count beyond waits the cap.
  const delay = (n: number) => delayAfterFailures(n, counter.firstDelayed);
  const delayed: number[] = [];
  for (let n = counter.firstDelayed; delay(n) < MAX_DELAY_SECONDS; n++) delayed.push(n);
  const capped = (delayed.at(-1) ?? counter.firstDelayed - 1) + 1;
  const nextAttemptAt = sql<string>`case when ${expired} then ${at(delay(1))} when ${next} >= ${sql.lit(capped)} then ${at(MAX_DELAY_SECONDS)} ${sql.join(
    delayed.map((n) => sql`when ${next} = ${sql.lit(n)} then ${at(delay(n))}`),
    sql` `,
  )} else ${nowIso} end`;

  const row = await trx
    .insertInto("rate_limit")
    .values({ key: counter.key, failures: 1, window_started_at: nowIso, next_attempt_at: at(delay(1)), expires_at: windowEnd })
    .onConflict((oc) => {
      const update = oc.column("key").doUpdateSet({
        failures: sql`case when ${expired} then 1 else ${next} end`,
        window_started_at: sql`case when ${expired} then ${nowIso} else rate_limit.window_started_at end`,
        expires_at: sql`case when ${expired} then ${windowEnd} else rate_limit.expires_at end`,
        next_attempt_at: nextAttemptAt,
      });
      return onlyIfAllowed
        ? update.where(sql<boolean>`${expired} or (rate_limit.failures < ${sql.lit(counter.limit)} and rate_limit.next_attempt_at <= ${nowIso})`)
        : update;
    })
    .returning("failures")
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * The part of a client address that identifies a client: an IPv4 address
 * (also when written IPv4-mapped), or the /64 network of an IPv6 address,
 * since one subscriber usually holds a whole /64 and could rotate through it.
 */
export function clientKey(address: string): string {
  const bare = address.trim().replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped && isIPv4(mapped[1])) return mapped[1];
  if (isIPv4(bare)) return bare;
  if (!isIPv6(bare)) return bare.toLowerCase();
  const [head, tail = ""] = bare.toLowerCase().split("::");
  const headGroups = head ? head.split(":") : [];
  const tailGroups = bare.includes("::") && tail ? tail.split(":") : [];
  // An embedded IPv4 tail takes two groups' room; it never reaches the first four groups.
  const tailWidth = tailGroups.reduce((width, group) => width + (group.includes(".") ? 2 : 1), 0);
  const groups = bare.includes("::") ? [...headGroups, ...Array(8 - headGroups.length - tailWidth).fill("0"), ...tailGroups] : headGroups;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}
