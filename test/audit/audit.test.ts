import { randomBytes, randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GENESIS_HASH, readCaseAudit, recordAudit, verifyAuditChain } from "~/audit/audit.server";
import { main } from "~/cli/main.server";
import type { Services } from "~/context";
import { openDatabase } from "~/db/db.server";
import { createTestDatabase, databaseKinds, describeEachDatabase, type TestDatabase } from "../support/databases";
import { dataKey, testServices } from "../support/services";

/**
 * The audit trail: append-only, hash-chained, serialised. Tampering with it
 * in any way a database user could (alter, delete, reorder, move a reason,
 * cut the end) is caught and the first broken row named, on both databases;
 * concurrent writers never fork the chain.
 */

const KEYS = { RECLAIM_DATA_KEYS: dataKey("k1"), RECLAIM_INDEX_KEY: randomBytes(32).toString("base64url") };

async function fill(services: Services, n: number, caseId = randomUUID()) {
  for (let i = 0; i < n; i++) {
    await recordAudit(services, {
      actorKind: "staff",
      actorId: `staff-${i % 3}`,
      organisationId: "org-1",
      action: i % 2 ? "case.view" : "case.status.change",
      caseId,
      reason: i % 4 === 0 ? `Checked the mandate, note ${i}` : null,
      details: { step: i, verified: i % 2 === 0, to: null },
    });
  }
  return caseId;
}

describe.each(databaseKinds)("audit chain [%s]", (kind) => {
  let database: TestDatabase;
  let services: Services;

  beforeEach(async () => {
    database = await createTestDatabase(kind);
    services = testServices(database, KEYS).services;
  });
  afterEach(async () => {
    await database?.destroy();
  });

  const verify = () => verifyAuditChain(services);

  it("appends rows in order, chained, with the reason encrypted and readable by a supervisor", async () => {
    const caseId = await fill(services, 6);
    await recordAudit(services, { actorKind: "system", actorId: null, action: "retention.run", details: { drafts: 2 } });
    const rows = await database.db.selectFrom("audit_log").selectAll().orderBy("seq").execute();
    expect(rows.map((r) => Number(r.seq))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(rows[0].prev_hash).toBe(GENESIS_HASH);
    for (let i = 1; i < rows.length; i++) expect(rows[i].prev_hash).toBe(rows[i - 1].hash);
    expect(rows[0].reason_enc).toMatch(/^v1\.k1\./);
    expect(JSON.stringify(rows)).not.toContain("Checked the mandate");
    // Details are stored with sorted keys, so equal details hash alike.
    expect(rows[0].details).toBe('{"step":0,"to":null,"verified":true}');

    const trail = await readCaseAudit(services, caseId);
    expect(trail).toHaveLength(6);
    expect(trail[0]).toMatchObject({ seq: 1, actorKind: "staff", actorId: "staff-0", action: "case.status.change", reason: "Checked the mandate, note 0" });
    expect(trail.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await verify()).toMatchObject({ ok: true, rows: 7, firstSeq: 1, lastSeq: 7 });
  });

  it("writes inside the caller's transaction: a rollback leaves neither the row nor a moved head", async () => {
    await fill(services, 2);
    await expect(
      services.db.transaction().execute(async (trx) => {
        await recordAudit(services, { actorKind: "staff", actorId: "s", action: "case.close", caseId: "c" }, trx);
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect(await database.db.selectFrom("audit_log").select("seq").execute()).toHaveLength(2);
    expect(await verify()).toMatchObject({ ok: true, rows: 2 });
  });

  it("refuses a reason without the vault rather than store it in clear", async () => {
    await expect(recordAudit({ db: services.db, now: services.now }, { actorKind: "staff", actorId: "s", action: "x", reason: "why" })).rejects.toThrow(/vault/);
  });

  it("catches an altered row, naming it", async () => {
    await fill(services, 8);
    await database.db.updateTable("audit_log").set({ action: "case.close" }).where("seq", "=", 4).execute();
    expect(await verify()).toMatchObject({ ok: false, seq: 4, problem: expect.stringContaining("altered") });
  });

  it("catches an altered row whose hash was recomputed, at the next row", async () => {
    await fill(services, 8);
    const { rowHash } = await import("~/audit/audit.server");
    const row = await database.db.selectFrom("audit_log").selectAll().where("seq", "=", 6).executeTakeFirstOrThrow();
    const forged = { ...row, actor_id: "someone-else" };
    await database.db.updateTable("audit_log").set({ actor_id: "someone-else", hash: rowHash(forged, null) }).where("seq", "=", 6).execute();
    expect(await verify()).toMatchObject({ ok: false, seq: 7, problem: expect.stringContaining("does not link") });
  });

  it("catches altered details and a reason moved from another row", async () => {
    await fill(services, 9);
    await database.db.updateTable("audit_log").set({ details: '{"step":2,"to":null,"verified":false}' }).where("seq", "=", 3).execute();
    expect(await verify()).toMatchObject({ ok: false, seq: 3 });

    const other = await createTestDatabase(kind);
    try {
      const s = testServices(other, KEYS).services;
      await fill(s, 9);
      const [a, b] = await other.db.selectFrom("audit_log").select(["seq", "reason_enc"]).where("reason_enc", "is not", null).orderBy("seq").limit(2).execute();
      await other.db.updateTable("audit_log").set({ reason_enc: b.reason_enc }).where("seq", "=", a.seq).execute();
      expect(await verifyAuditChain(s)).toMatchObject({ ok: false, seq: Number(a.seq), problem: expect.stringContaining("altered") });
    } finally {
      await other.destroy();
    }
  });

  it("catches a deleted row in the middle, naming the missing row", async () => {
    await fill(services, 8);
    await database.db.deleteFrom("audit_log").where("seq", "=", 3).execute();
    expect(await verify()).toMatchObject({ ok: false, seq: 3, problem: expect.stringContaining("missing") });
  });

  it("catches deleted rows at the end and at the start", async () => {
    await fill(services, 8);
    await database.db.deleteFrom("audit_log").where("seq", ">=", 7).execute();
    expect(await verify()).toMatchObject({ ok: false, seq: 7, problem: expect.stringContaining("ends at row 6") });

    const other = await createTestDatabase(kind);
    try {
      const s = testServices(other, KEYS).services;
      await fill(s, 5);
      await other.db.deleteFrom("audit_log").where("seq", "=", 1).execute();
      expect(await verifyAuditChain(s)).toMatchObject({ ok: false, seq: 1, problem: expect.stringContaining("missing") });
    } finally {
      await other.destroy();
    }
  });

  it("catches reordered rows", async () => {
    await fill(services, 8);
    // Swap rows 3 and 4 by renumbering them.
    await database.db.updateTable("audit_log").set({ seq: 1000 }).where("seq", "=", 3).execute();
    await database.db.updateTable("audit_log").set({ seq: 3 }).where("seq", "=", 4).execute();
    await database.db.updateTable("audit_log").set({ seq: 4 }).where("seq", "=", 1000).execute();
    expect(await verify()).toMatchObject({ ok: false, seq: 3 });
  });

  it("never forks under 50 parallel appends, nor with two connections writing at once", async () => {
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => recordAudit(services, { actorKind: "api", actorId: `key-${i}`, action: "sighting.import", details: { i } })),
    );
    // A second connection pool, as a second server process would have.
    const second = openDatabase(database.url).db;
    try {
      const other = { ...services, db: second };
      await Promise.all([
        ...Array.from({ length: 25 }, (_, i) => recordAudit(services, { actorKind: "staff", actorId: "a", action: "case.view", details: { i }, reason: i % 5 ? null : "why" })),
        ...Array.from({ length: 25 }, (_, i) => recordAudit(other, { actorKind: "staff", actorId: "b", action: "case.view", details: { i } })),
      ]);
    } finally {
      await second.destroy();
    }
    const rows = await database.db.selectFrom("audit_log").select(["seq", "prev_hash", "hash"]).orderBy("seq").execute();
    expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(new Set(rows.map((r) => r.prev_hash)).size).toBe(100);
    expect(await verify()).toMatchObject({ ok: true, rows: 100 });
  });

  it("npx reclaim audit:verify exits 0 on an intact chain and non-zero naming the first broken row", async () => {
    await fill(services, 5);
    const saved = { ...process.env };
    Object.assign(process.env, { DATABASE_URL: database.url, RECLAIM_DATA_DIR: services.env.dataDir, ...KEYS, NODE_ENV: "test" });
    try {
      const out: string[] = [];
      const err: string[] = [];
      expect(await main(["audit:verify"], (l) => out.push(l), (l) => err.push(l))).toBe(0);
      expect(out.join("\n")).toContain("Audit chain intact: 5 rows");

      await sql`update audit_log set organisation_id = 'org-2' where seq = 2`.execute(database.db);
      expect(await main(["audit:verify"], (l) => out.push(l), (l) => err.push(l))).toBe(1);
      expect(err.join("\n")).toContain("Audit chain broken at row 2");
    } finally {
      process.env = saved;
    }
  });
});

describeEachDatabase("audit chain, migrated empty", (get) => {
  it("verifies an empty chain", async () => {
    const { services } = testServices(get(), KEYS);
    expect(await verifyAuditChain(services)).toMatchObject({ ok: true, rows: 0, lastSeq: 0 });
  });
});
