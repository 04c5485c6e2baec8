import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { recordAudit, verifyAuditChain } from "~/audit/audit.server";
import { addCaseEvent, sendMessageFromRequester, withdrawCase } from "~/cases/cases.server";
import { saveDraft } from "~/cases/drafts.server";
import { main } from "~/cli/main.server";
import type { Services } from "~/context";
import { openDatabase } from "~/db/db.server";
import { enqueueMail } from "~/mail/outbox.server";
import { runRetention, setLegalHold } from "~/privacy/retention.server";
import { recordSignInFailure } from "~/sessions/rate-limit.server";
import { createCaseSession } from "~/sessions/session.server";
import { addConfirmedInstance, fileCase, SURVIVOR_EMAIL } from "../support/cases";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../support/databases";
import { testServices } from "../support/services";

/**
 * Each retention rule, proved by moving the clock: nothing goes a moment
 * early, everything goes once its time has come, a legal hold suspends it,
 * and the job is safe to run twice or to interrupt.
 */

const HOUR = 60 * 60 * 1000;

describe.each(databaseKinds)("retention [%s]", (kind) => {
  let database: TestDatabase;
  let services: Services;
  let clock: ReturnType<typeof testServices>["clock"];
  let logs: string[];

  const setup = (env: Record<string, string> = {}) => {
    ({ services, clock } = testServices(database, env));
  };
  beforeEach(async () => {
    database = await createTestDatabase(kind);
    setup();
    logs = [];
  });
  afterEach(async () => {
    await database?.destroy();
  });

  const run = (options: Parameters<typeof runRetention>[1] = {}) => runRetention(services, { log: (l) => logs.push(l), ...options });
  const count = async (table: "request_draft" | "case_session" | "rate_limit" | "outbox" | "case" | "subject" | "item" | "message" | "case_event" | "match" | "sighting" | "case_statistics" | "audit_log") =>
    Number((await database.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n);

  it("deletes an unfinished request 24 hours after its last step, not a minute before", async () => {
    await saveDraft(services, null, { who: { relation: "self" } });
    clock.advanceMs(24 * HOUR - 60_000);
    expect((await run()).counts.drafts).toBe(0);
    expect(await count("request_draft")).toBe(1);
    clock.advanceMs(2 * 60_000);
    expect((await run()).counts.drafts).toBe(1);
    expect(await count("request_draft")).toBe(0);
  });

  it("ends sessions and rate-limit counters when they expire", async () => {
    // Lucia stamps a session's expiry from the real clock: start the test clock there.
    clock.set(new Date());
    const { caseId } = await fileCase(services);
    await createCaseSession(services, caseId);
    await recordSignInFailure(services, { clientAddress: "203.0.113.9", reference: "123412341234" });
    clock.advanceMs(29 * 60_000);
    expect((await run()).counts).toMatchObject({ caseSessions: 0, rateLimits: 0 });
    expect(await count("case_session")).toBe(1);
    clock.advanceMs(2 * 60_000);
    expect((await run()).counts).toMatchObject({ caseSessions: 1, rateLimits: 0 });
    clock.advanceMs(HOUR);
    expect((await run()).counts).toMatchObject({ rateLimits: 2 });
    expect(await count("rate_limit")).toBe(0);
  });

  it("deletes delivered and failed e-mails 30 days after sending, never pending ones", async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await enqueueMail(services, { to: `person${i}@example.org`, template: "update", language: "en" })).id);
    const at = services.now().toISOString();
    await database.db.updateTable("outbox").set({ status: "sent", sent_at: at }).where("id", "=", ids[0]).execute();
    await database.db.updateTable("outbox").set({ status: "failed" }).where("id", "=", ids[1]).execute();
    clock.advanceDays(29);
    expect((await run()).counts.mails).toBe(0);
    clock.advanceDays(2);
    expect((await run()).counts.mails).toBe(2);
    expect((await database.db.selectFrom("outbox").select("id").execute()).map((r) => r.id)).toEqual([ids[2]]);
  });

  async function richCase() {
    const receipt = await fileCase(services);
    await sendMessageFromRequester(services, receipt.caseId, "Here is more about me.", "en");
    await addCaseEvent(services, receipt.caseId, { template: "searchStarted", visibleToRequester: true, actor: "staff", note: { text: "We are searching.", language: "en" } });
    await addConfirmedInstance(services, receipt.caseId, { removed: true });
    await recordAudit(services, { actorKind: "staff", actorId: "staff-1", action: "case.view", caseId: receipt.caseId });
    return receipt;
  }

  it("reduces a withdrawn case to anonymous statistics 30 days after withdrawal", async () => {
    const { caseId, reference } = await richCase();
    clock.advanceDays(3);
    expect(await withdrawCase(services, caseId)).toBe(true);
    const closedAt = services.now().toISOString();

    expect((await run()).counts).toMatchObject({ casesScheduled: 1, casesReduced: 0 });
    const scheduled = await database.db.selectFrom("case").select("retention_until").where("id", "=", caseId).executeTakeFirstOrThrow();
    expect(scheduled.retention_until).toBe(new Date(Date.parse(closedAt) + 30 * 24 * HOUR).toISOString());

    clock.advanceDays(29);
    expect((await run()).counts.casesReduced).toBe(0);
    expect(await count("case")).toBe(1);

    clock.advanceDays(2);
    expect((await run()).counts.casesReduced).toBe(1);
    for (const table of ["case", "subject", "item", "message", "case_event", "match"] as const) expect(await count(table), table).toBe(0);
    // Reports of where material was found are not the requester's data: they stay.
    expect(await count("sighting")).toBe(1);

    const stats = await database.db.selectFrom("case_statistics").selectAll().execute();
    expect(stats).toEqual([
      expect.objectContaining({
        received_month: "2027-01",
        closed_month: "2027-01",
        reduced_month: "2027-02",
        reduced_because: "retention",
        route: "eu",
        country: "NL",
        relation: "self",
        final_status: "withdrawn",
        days_open: 3,
        items: 3,
        instances_found: 1,
        instances_removed: 1,
      }),
    ]);
    expect(stats[0].id).not.toBe(caseId);
    const everything = JSON.stringify(stats);
    for (const leak of [caseId, reference, SURVIVOR_EMAIL]) expect(everything).not.toContain(leak);

    const actions = (await database.db.selectFrom("audit_log").select(["action", "case_id"]).orderBy("seq").execute()).map((r) => r.action);
    expect(actions).toContain("case.reduced");
    expect(actions).toContain("retention.run");
    expect(await verifyAuditChain(services)).toMatchObject({ ok: true });
  });

  it("keeps completed cases for the configured period after closing (RETENTION_CLOSED_DAYS)", async () => {
    setup({ RETENTION_CLOSED_DAYS: "90" });
    const { caseId } = await richCase();
    await database.db.updateTable("case").set({ status: "completed", closed_at: services.now().toISOString() }).where("id", "=", caseId).execute();
    clock.advanceDays(89);
    expect((await run()).counts).toMatchObject({ casesScheduled: 1, casesReduced: 0 });
    clock.advanceDays(2);
    expect((await run()).counts.casesReduced).toBe(1);
    expect((await database.db.selectFrom("case_statistics").select("final_status").executeTakeFirstOrThrow()).final_status).toBe("completed");
  });

  it("never touches an open case, and a reopened case loses its deadline", async () => {
    const { caseId } = await richCase();
    clock.advanceDays(3000);
    expect((await run()).counts.casesReduced).toBe(0);
    await withdrawCase(services, caseId);
    await run();
    await database.db.updateTable("case").set({ status: "in_progress", closed_at: null }).where("id", "=", caseId).execute();
    await run();
    expect((await database.db.selectFrom("case").select("retention_until").executeTakeFirstOrThrow()).retention_until).toBeNull();
    clock.advanceDays(365);
    await run();
    expect(await count("case")).toBe(1);
  });

  it("suspends every rule for a case under legal hold, and applies them once the hold is lifted", async () => {
    const { caseId } = await richCase();
    await withdrawCase(services, caseId);
    await setLegalHold(services, caseId, { hold: true, reason: "Court order 2027/55", staffId: "staff-1" });
    clock.advanceDays(800);
    const held = await run();
    expect(held.counts).toMatchObject({ casesReduced: 0, casesHeld: 1 });
    expect(await count("case")).toBe(1);
    expect(await count("message")).toBe(1);
    // Its audit rows are held too: nothing after the first of them is pruned.
    expect(held.counts.auditRows).toBe(0);
    const hold = await database.db.selectFrom("case").select(["legal_hold_reason_enc"]).executeTakeFirstOrThrow();
    expect(hold.legal_hold_reason_enc).not.toContain("Court");

    await setLegalHold(services, caseId, { hold: false, reason: "Proceedings ended", staffId: "staff-1" });
    const lifted = await run();
    expect(lifted.counts).toMatchObject({ casesReduced: 1, casesHeld: 0 });
    expect(lifted.counts.auditRows).toBeGreaterThan(0);
    expect(await verifyAuditChain(services)).toMatchObject({ ok: true });
  });

  it("prunes audit rows after two years, oldest first, and the rest still verifies", async () => {
    for (let i = 0; i < 3; i++) await recordAudit(services, { actorKind: "staff", actorId: "s", action: "case.view", caseId: randomUUID() });
    clock.advanceDays(400);
    for (let i = 0; i < 2; i++) await recordAudit(services, { actorKind: "staff", actorId: "s", action: "case.view", caseId: randomUUID(), reason: "checking" });
    clock.advanceDays(729 - 400);
    expect((await run()).counts.auditRows).toBe(0);
    clock.advanceDays(2);
    expect((await run()).counts.auditRows).toBe(3);
    // Row 6 is the run's own record of what it did.
    const left = await database.db.selectFrom("audit_log").select(["seq", "action"]).orderBy("seq").execute();
    expect(left.map((r) => [Number(r.seq), r.action])).toEqual([[4, "case.view"], [5, "case.view"], [6, "retention.run"]]);
    expect(await verifyAuditChain(services)).toMatchObject({ ok: true, rows: 3, firstSeq: 4 });
    // Deleting what pruning left is still caught.
    await database.db.deleteFrom("audit_log").where("seq", "=", 4).execute();
    expect(await verifyAuditChain(services)).toMatchObject({ ok: false, seq: 4 });
  });

  it("does not prune an audit chain that was tampered with", async () => {
    for (let i = 0; i < 4; i++) await recordAudit(services, { actorKind: "staff", actorId: "s", action: "case.view" });
    await database.db.updateTable("audit_log").set({ action: "case.edit" }).where("seq", "=", 3).execute();
    clock.advanceDays(800);
    expect((await run()).counts.auditRows).toBe(2);
    expect(logs.join("\n")).toContain("audit rows not pruned: the chain is broken at row 3");
    expect(await verifyAuditChain(services)).toMatchObject({ ok: false, seq: 3 });
  });

  it("works in bounded batches: an interrupted run leaves whole batches, and running again finishes; a third run changes nothing", async () => {
    for (let i = 0; i < 25; i++) await saveDraft(services, null, { who: { relation: "self" } });
    clock.advanceDays(2);
    const first = await run({ batchSize: 10, maxBatches: 1 });
    expect(first).toMatchObject({ complete: false, counts: { drafts: 10 } });
    expect(await count("request_draft")).toBe(15);
    expect(logs.at(-1)).toContain("more remain");
    const second = await run({ batchSize: 10 });
    expect(second).toMatchObject({ complete: true, counts: { drafts: 15 } });
    const auditRows = await count("audit_log");
    const third = await run({ batchSize: 10 });
    expect(Object.values(third.counts).every((n) => n === 0)).toBe(true);
    // A run that changed nothing is logged, not audited.
    expect(await count("audit_log")).toBe(auditRows);
  });

  it("two processes running at once reduce each case exactly once", async () => {
    for (let i = 0; i < 6; i++) {
      const { caseId } = await fileCase(services);
      await withdrawCase(services, caseId);
    }
    await run();
    clock.advanceDays(31);
    const second = openDatabase(database.url).db;
    try {
      const [a, b] = await Promise.all([run({ batchSize: 2 }), runRetention({ ...services, db: second }, { batchSize: 2 })]);
      expect(a.counts.casesReduced + b.counts.casesReduced).toBe(6);
    } finally {
      await second.destroy();
    }
    expect(await count("case_statistics")).toBe(6);
    expect(await count("case")).toBe(0);
    expect(await verifyAuditChain(services)).toMatchObject({ ok: true });
  });

  it("logs counts only, never data", async () => {
    const { caseId, reference, secret } = await richCase();
    await withdrawCase(services, caseId);
    clock.advanceDays(40);
    await run();
    await run();
    const text = logs.join("\n");
    expect(text).toMatch(/reduced 1 cases to statistics/);
    for (const leak of [caseId, reference, secret, SURVIVOR_EMAIL, "Here is more"]) expect(text).not.toContain(leak);
  });

  it("npx reclaim retention:run applies the rules and prints the counts", async () => {
    await saveDraft(services, null, { who: { relation: "self" } });
    const saved = { ...process.env };
    Object.assign(process.env, { DATABASE_URL: database.url, RECLAIM_DATA_DIR: services.env.dataDir, NODE_ENV: "test" });
    try {
      const out: string[] = [];
      // The CLI runs on the real clock; the draft was saved on the test clock, so expire it in the past.
      await database.db.updateTable("request_draft").set({ expires_at: "2000-01-01T00:00:00.000Z" }).execute();
      expect(await main(["retention:run"], (l) => out.push(l), () => {})).toBe(0);
      expect(out.join("\n")).toContain("retention: deleted 1 unfinished requests");
      expect(await count("request_draft")).toBe(0);
    } finally {
      process.env = saved;
    }
  });
});
