import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Services } from "~/context";
import { loadEnv } from "~/env.server";
import { createServices } from "~/services.server";
import {
  CLIENT_FAILURE_LIMIT,
  FAILURE_WINDOW_SECONDS,
  MAX_DELAY_SECONDS,
  REFERENCE_FAILURE_LIMIT,
  checkSignInAllowed,
  claimSignInAttempt,
  clearSignInFailures,
  clientKey,
  CLIENT_FIRST_DELAYED_FAILURE,
  delayAfterFailures,
  deleteExpiredRateLimits,
  recordSignInFailure,
  recordSignInSuccess,
} from "~/sessions/rate-limit.server";
import { insertCase } from "../support/cases";
import { describeEachDatabase } from "../support/databases";

const KNOWN_REFERENCE = "300000000001";
const UNKNOWN_REFERENCE = "399999999999";


describe("the limits", () => {
  it("are 10 failures per reference and 30 per client an hour, with delays from the third failure capped at 15 minutes", () => {
    expect(REFERENCE_FAILURE_LIMIT).toBe(10);
    expect(CLIENT_FAILURE_LIMIT).toBe(30);
    expect(FAILURE_WINDOW_SECONDS).toBe(3600);
    expect(MAX_DELAY_SECONDS).toBe(900);
    expect([1, 2, 3, 4, 5, 6, 12, 13, 30].map((n) => delayAfterFailures(n))).toEqual([0, 0, 1, 2, 4, 8, 512, 900, 900]);
    // A client address may be shared by many people: its delays start later.
    expect([9, 10, 11, 20].map((n) => delayAfterFailures(n, CLIENT_FIRST_DELAYED_FAILURE))).toEqual([0, 1, 2, 900]);
  });

  it("count an IPv6 client by its /64 and an IPv4-mapped address as IPv4", () => {
    expect(clientKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(clientKey("2001:0db8:0001:0002:ffff:ffff:ffff:ffff")).toBe("2001:db8:1:2::/64");
    expect(clientKey("[2001:db8::1]")).toBe("2001:db8:0:0::/64");
    expect(clientKey("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(clientKey("::ffff:192.0.2.7")).toBe("192.0.2.7");
    expect(clientKey("192.0.2.7")).toBe("192.0.2.7");
    expect(clientKey("::1")).toBe("0:0:0:0::/64");
  });
});

describeEachDatabase("sign-in rate limit", (database) => {
  let services: Services;
  let dataDir: string;
  let clock: Date;
  let n = 0;
  const db = () => database().db;
  const tick = (seconds: number) => (clock = new Date(clock.getTime() + seconds * 1000));
  /** A client address and a reference nobody else in this file uses. */
  const freshClient = () => (++n, `198.51.${Math.floor(n / 250)}.${n % 250}`);
  const freshReference = () => String(400000000000 + ++n);

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "reclaim-rate-"));
    services = createServices(loadEnv({ NODE_ENV: "test", RECLAIM_DATA_DIR: dataDir, DATABASE_URL: database().url }, () => {}), {
      db: database().db,
      dbKind: database().kind,
      now: () => clock,
    });
    await insertCase(db(), KNOWN_REFERENCE);
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  beforeEach(async () => {
    clock = new Date("2026-11-22T10:00:00.000Z");
    await db().deleteFrom("rate_limit").execute();
  });

  it("lets the first two failures retry at once, then makes each next attempt wait twice as long", async () => {
    const attempt = { clientAddress: freshClient(), reference: freshReference() };
    expect(await checkSignInAllowed(services, attempt)).toEqual({ allowed: true });
    await recordSignInFailure(services, attempt);
    await recordSignInFailure(services, attempt);
    expect(await checkSignInAllowed(services, attempt)).toEqual({ allowed: true });

    for (const [failures, wait] of [[3, 1], [4, 2], [5, 4], [6, 8], [7, 16]] as const) {
      await recordSignInFailure(services, attempt);
      expect(await checkSignInAllowed(services, attempt), `after ${failures} failures`).toEqual({ allowed: false, retryAfterSeconds: wait });
      tick(wait - 0.5);
      expect(await checkSignInAllowed(services, attempt)).toEqual({ allowed: false, retryAfterSeconds: 1 });
      tick(0.5);
      expect(await checkSignInAllowed(services, attempt)).toEqual({ allowed: true });
    }
  });

  it("never makes a client wait more than 15 minutes for its next attempt", async () => {
    const clientAddress = freshClient();
    // Different references each time, so only the client's counter grows.
    for (let i = 0; i < CLIENT_FIRST_DELAYED_FAILURE + 11; i++) await recordSignInFailure(services, { clientAddress, reference: freshReference() });
    expect(await checkSignInAllowed(services, { clientAddress, reference: freshReference() })).toEqual({ allowed: false, retryAfterSeconds: 900 });
    tick(900);
    expect(await checkSignInAllowed(services, { clientAddress, reference: freshReference() })).toEqual({ allowed: true });
  });

  it("stops a reference after 10 failures until its hour is over, whichever clients try", async () => {
    const reference = freshReference();
    for (let i = 1; i <= REFERENCE_FAILURE_LIMIT; i++) {
      const attempt = { clientAddress: freshClient(), reference };
      tick(delayAfterFailures(i - 1));
      expect(await claimSignInAttempt(services, attempt), `attempt ${i}`).toEqual({ allowed: true });
    }
    const elapsed = (clock.getTime() - Date.parse("2026-11-22T10:00:00.000Z")) / 1000;
    tick(MAX_DELAY_SECONDS); // long past any delay: only the limit holds it back now
    const fromAnywhere = { clientAddress: freshClient(), reference };
    expect(await checkSignInAllowed(services, fromAnywhere)).toEqual({ allowed: false, retryAfterSeconds: FAILURE_WINDOW_SECONDS - elapsed - MAX_DELAY_SECONDS });
    expect(await claimSignInAttempt(services, fromAnywhere)).toEqual({ allowed: false, retryAfterSeconds: FAILURE_WINDOW_SECONDS - elapsed - MAX_DELAY_SECONDS });
    // Other references are not affected.
    expect(await checkSignInAllowed(services, { clientAddress: fromAnywhere.clientAddress, reference: freshReference() })).toEqual({ allowed: true });
  });

  it("stops a client after 30 failures until its hour is over, whichever references it tries", async () => {
    const clientAddress = freshClient();
    for (let i = 0; i < CLIENT_FAILURE_LIMIT - 1; i++) await recordSignInFailure(services, { clientAddress, reference: freshReference() });
    tick(MAX_DELAY_SECONDS);
    expect(await checkSignInAllowed(services, { clientAddress, reference: freshReference() })).toEqual({ allowed: true });
    await recordSignInFailure(services, { clientAddress, reference: freshReference() });
    tick(MAX_DELAY_SECONDS);
    const blocked = { allowed: false, retryAfterSeconds: FAILURE_WINDOW_SECONDS - 2 * MAX_DELAY_SECONDS };
    expect(await checkSignInAllowed(services, { clientAddress, reference: freshReference() })).toEqual(blocked);
    expect(await claimSignInAttempt(services, { clientAddress, reference: KNOWN_REFERENCE })).toEqual(blocked);
    // Another client is not affected.
    expect(await checkSignInAllowed(services, { clientAddress: freshClient(), reference: freshReference() })).toEqual({ allowed: true });
  });

  it("answers the same for a reference that exists and one that does not", async () => {
    const trace = async (reference: string) => {
      const decisions = [];
      const clientAddress = freshClient();
      for (let i = 0; i < 12; i++) {
        decisions.push(await claimSignInAttempt(services, { clientAddress, reference }));
        tick(3);
      }
      const row = await db().selectFrom("rate_limit").select(["failures", "next_attempt_at", "expires_at"]).where("key", "like", "signin-reference:%").executeTakeFirstOrThrow();
      await db().deleteFrom("rate_limit").execute();
      clock = new Date("2026-11-22T10:00:00.000Z");
      return { decisions, row };
    };
    const known = await trace(KNOWN_REFERENCE);
    const unknown = await trace(UNKNOWN_REFERENCE);
    expect(unknown).toEqual(known);
    expect(known.decisions.filter((d) => d.allowed).length).toBeGreaterThan(3);
  });

  it("starts counting again an hour after the first failure", async () => {
    const attempt = { clientAddress: freshClient(), reference: freshReference() };
    for (let i = 0; i < REFERENCE_FAILURE_LIMIT; i++) await recordSignInFailure(services, attempt);
    tick(FAILURE_WINDOW_SECONDS - 1);
    expect(await checkSignInAllowed(services, attempt)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    tick(1);
    expect(await checkSignInAllowed(services, attempt)).toEqual({ allowed: true });
    await recordSignInFailure(services, attempt);
    const rows = await db().selectFrom("rate_limit").selectAll().execute();
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row).toMatchObject({ failures: 1, window_started_at: clock.toISOString(), next_attempt_at: clock.toISOString() });
      expect(row.expires_at).toBe(new Date(clock.getTime() + FAILURE_WINDOW_SECONDS * 1000).toISOString());
    }
    expect(await deleteExpiredRateLimits(services)).toBe(0);
    tick(FAILURE_WINDOW_SECONDS);
    expect(await deleteExpiredRateLimits(services)).toBe(2);
  });

  it("counts 20 parallel failures exactly, in whole rows", async () => {
    const attempt = { clientAddress: freshClient(), reference: freshReference() };
    await Promise.all(Array.from({ length: 20 }, () => recordSignInFailure(services, attempt)));
    const rows = await db().selectFrom("rate_limit").selectAll().execute();
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.failures).toBe(20);
      expect(row.window_started_at).toBe(clock.toISOString());
      expect(row.next_attempt_at).toBe(new Date(clock.getTime() + MAX_DELAY_SECONDS * 1000).toISOString());
      expect(row.expires_at).toBe(new Date(clock.getTime() + FAILURE_WINDOW_SECONDS * 1000).toISOString());
    }
  });

  it("lets only as many of 20 parallel attempts through as the delays allow", async () => {
    const attempt = { clientAddress: freshClient(), reference: freshReference() };
    const decisions = await Promise.all(Array.from({ length: 20 }, () => claimSignInAttempt(services, attempt)));
    // Two retry at once, the third is the first that makes the next one wait.
    expect(decisions.filter((d) => d.allowed)).toHaveLength(3);
    expect(decisions.filter((d) => !d.allowed)).toEqual(Array(17).fill({ allowed: false, retryAfterSeconds: 1 }));
    const rows = await db().selectFrom("rate_limit").select("failures").execute();
    expect(rows.map((r) => r.failures)).toEqual([3, 3]);
  });

  it("stores neither client addresses nor references", async () => {
    const attempt = { clientAddress: "203.0.113.99", reference: KNOWN_REFERENCE };
    await recordSignInFailure(services, attempt);
    const keys = (await db().selectFrom("rate_limit").select("key").execute()).map((r) => r.key);
    expect(keys).toHaveLength(2);
    for (const key of keys) {
      expect(key).toMatch(/^signin-(client|reference):[A-Za-z0-9_-]{43}$/);
      expect(key).not.toContain("203.0.113.99");
      expect(key).not.toContain(KNOWN_REFERENCE);
    }
  });

  it("clears the reference's failures on success but keeps the client's", async () => {
    const attempt = { clientAddress: freshClient(), reference: freshReference() };
    const failures = CLIENT_FIRST_DELAYED_FAILURE + 1;
    for (let i = 0; i < failures; i++) await recordSignInFailure(services, attempt);
    await clearSignInFailures(services, attempt);
    const rows = await db().selectFrom("rate_limit").select(["key", "failures"]).execute();
    expect(rows).toEqual([{ key: expect.stringMatching(/^signin-client:/), failures }]);
    // The client still waits for its own delay.
    expect(await checkSignInAllowed(services, { ...attempt, reference: freshReference() })).toEqual({ allowed: false, retryAfterSeconds: 2 });
  });

  it("takes back a claimed attempt's count from the client when the sign-in succeeds", async () => {
    const attempt = { clientAddress: freshClient(), reference: freshReference() };
    await recordSignInFailure(services, attempt);
    expect(await claimSignInAttempt(services, attempt)).toEqual({ allowed: true });
    await recordSignInSuccess(services, attempt);
    const rows = await db().selectFrom("rate_limit").select(["key", "failures"]).execute();
    expect(rows).toEqual([{ key: expect.stringMatching(/^signin-client:/), failures: 1 }]);
  });
});
