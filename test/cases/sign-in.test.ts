import { parseOptions } from "@node-rs/argon2";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { hashSecret, normaliseReference, normaliseSecret, signInToCase } from "~/cases/sign-in.server";
import type { Services } from "~/context";
import { loadEnv } from "~/env.server";
import { createServices } from "~/services.server";
import { REFERENCE_FAILURE_LIMIT, delayAfterFailures } from "~/sessions/rate-limit.server";
import { getCaseSession } from "~/sessions/session.server";
import { insertCase } from "../support/cases";
import { describeEachDatabase } from "../support/databases";

const REFERENCE = "482915730264";
const SECRET = "k7qm-3xpa-r2dv-9wtz";


describe("secrets and references", () => {
  it("hashes a secret with argon2id at OWASP's parameters, salted afresh each time", async () => {
    const first = await hashSecret(SECRET);
    expect(first).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(parseOptions(first)).toMatchObject({ memoryCost: 19456, timeCost: 2, parallelism: 1 });
    expect(first).not.toContain(SECRET);
    expect(await hashSecret(SECRET)).not.toBe(first);
  });

  it("reads a reference typed with spaces or dashes", () => {
    expect(normaliseReference(" 4829 1573-0264 ")).toBe(REFERENCE);
    expect(normaliseReference("4829–1573–0264")).toBe(REFERENCE); // en dashes, as a phone may type them
    expect(normaliseReference("4829.1573.0264")).toBe(REFERENCE);
    expect(normaliseReference("４８２９ １５７３ ０２６４")).toBe(REFERENCE); // full-width
    expect(normaliseReference("۴۸۲۹ ۱۵۷۳ ۰۲۶۴")).toBe(REFERENCE); // Persian keyboard
    expect(normaliseReference("٤٨٢٩-١٥٧٣-٠٢٦٤")).toBe(REFERENCE); // Arabic-Indic
    expect(normaliseReference("४८२९ १५७३ ०२६४")).toBe(REFERENCE); // Devanagari
    expect(normaliseReference("48291573026x")).toBe("48291573026x"); // not a reference: left for the lookup to refuse
  });

  it("reads a secret typed grouped, in capitals or with another script's digits as the same secret", () => {
    expect(normaliseSecret(" K7QM 3XPA-R2DV–9WTZ ")).toBe("k7qm3xpar2dv9wtz");
    expect(normaliseSecret("k۷qm-۳xpa-r۲dv-۹wtz")).toBe("k7qm3xpar2dv9wtz");
  });
});

describeEachDatabase("signing in to a case", (database) => {
  let services: Services;
  let dataDir: string;
  let caseId: string;
  let clock: Date;
  const tick = (seconds: number) => (clock = new Date(clock.getTime() + seconds * 1000));
  const db = () => database().db;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "reclaim-sign-in-"));
    services = createServices(loadEnv({ NODE_ENV: "test", RECLAIM_DATA_DIR: dataDir, DATABASE_URL: database().url }, () => {}), {
      db: database().db,
      dbKind: database().kind,
      now: () => clock,
    });
    caseId = await insertCase(db(), REFERENCE, { secret_hash: await hashSecret(SECRET) });
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  beforeEach(async () => {
    clock = new Date();
    await db().deleteFrom("rate_limit").execute();
  });

  it("signs in with the right reference and secret, typed with spaces, and the cookie then works", async () => {
    const result = await signInToCase(services, { reference: "4829 1573 0264", secret: " K7QM 3XPA R2DV 9WTZ ", clientAddress: "192.0.2.1" });
    expect(result).toEqual({ ok: true, caseId, setCookie: expect.stringMatching(/^reclaim_case=[a-z2-7]{40}; /) });
    if (!result.ok) return;
    const cookie = result.setCookie.split(";")[0];
    const request = new Request("http://localhost/case", { headers: { Cookie: cookie } });
    expect(await getCaseSession(services, request)).toEqual({ caseId });
  });

  it("refuses a wrong secret as invalid", async () => {
    expect(await signInToCase(services, { reference: REFERENCE, secret: "k7qm-3xpa-r2dv-9wty", clientAddress: "192.0.2.2" })).toEqual({ ok: false, reason: "invalid" });
  });

  it("answers an unknown or malformed reference exactly as a wrong secret", async () => {
    const wrongSecret = await signInToCase(services, { reference: REFERENCE, secret: "wrong", clientAddress: "192.0.2.3" });
    const unknownReference = await signInToCase(services, { reference: "482915730265", secret: SECRET, clientAddress: "192.0.2.4" });
    const malformed = await signInToCase(services, { reference: "not a reference", secret: SECRET, clientAddress: "192.0.2.5" });
    expect(unknownReference).toEqual(wrongSecret);
    expect(malformed).toEqual(wrongSecret);
    expect(Object.keys(unknownReference)).toEqual(Object.keys(wrongSecret));
  });

  it("takes about as long for an unknown reference as for a known one", async () => {
    const time = async (reference: string) => {
      await db().deleteFrom("rate_limit").execute();
      const started = performance.now();
      await signInToCase(services, { reference, secret: "wrong", clientAddress: "192.0.2.6" });
      return performance.now() - started;
    };
    await time(REFERENCE); // warm up
    let known = 0;
    let unknown = 0;
    for (let round = 0; round < 4; round++) {
      known += await time(REFERENCE);
      unknown += await time("482915730266");
    }
    // Both run argon2; without the dummy verification the unknown one would take a few milliseconds.
    expect(unknown).toBeGreaterThan(known * 0.5);
  });

  it("stops guessing at a reference, for the right secret too, once the limit is reached", async () => {
    const outcomes = [];
    for (let i = 1; i <= REFERENCE_FAILURE_LIMIT; i++) {
      tick(delayAfterFailures(i - 1));
      outcomes.push((await signInToCase(services, { reference: REFERENCE, secret: `guess-${i}`, clientAddress: `192.0.2.${100 + i}` })).ok);
    }
    expect(outcomes).toEqual(Array(REFERENCE_FAILURE_LIMIT).fill(false));
    tick(60);
    const limited = await signInToCase(services, { reference: REFERENCE, secret: SECRET, clientAddress: "192.0.2.200" });
    expect(limited).toEqual({ ok: false, reason: "rate_limited", retryAfterSeconds: expect.any(Number) });
    if (!limited.ok) expect(limited.retryAfterSeconds).toBeGreaterThan(50 * 60);
    // An unknown reference is limited in just the same way.
    for (let i = 1; i <= REFERENCE_FAILURE_LIMIT; i++) {
      tick(delayAfterFailures(i - 1));
      await signInToCase(services, { reference: "482915730267", secret: `guess-${i}`, clientAddress: `192.0.2.${150 + i}` });
    }
    tick(60);
    expect(await signInToCase(services, { reference: "482915730267", secret: SECRET, clientAddress: "192.0.2.201" })).toMatchObject({ ok: false, reason: "rate_limited" });
  });

  it("makes a guesser wait after the third failure, and a success clears the reference's count", async () => {
    const clientAddress = "192.0.2.9";
    for (let i = 0; i < 3; i++) await signInToCase(services, { reference: REFERENCE, secret: "wrong", clientAddress });
    expect(await signInToCase(services, { reference: REFERENCE, secret: SECRET, clientAddress })).toEqual({ ok: false, reason: "rate_limited", retryAfterSeconds: 1 });
    tick(1);
    expect(await signInToCase(services, { reference: REFERENCE, secret: SECRET, clientAddress })).toMatchObject({ ok: true, caseId });
    const rows = await db().selectFrom("rate_limit").select(["key", "failures"]).execute();
    expect(rows).toEqual([{ key: expect.stringMatching(/^signin-client:/), failures: 3 }]);
  });

  it("checks only as many of 20 parallel guesses as the limiter allows", async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => signInToCase(services, { reference: REFERENCE, secret: `parallel-${i}`, clientAddress: "192.0.2.10" })),
    );
    expect(results.filter((r) => !r.ok && r.reason === "invalid")).toHaveLength(3);
    expect(results.filter((r) => !r.ok && r.reason === "rate_limited")).toHaveLength(17);
  });
});
