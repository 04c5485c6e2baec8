import type { Adapter } from "lucia";
import { beforeAll, expect, it } from "vitest";
import { createKyselyAdapter, hashSessionId } from "~/sessions/lucia-adapter.server";
import { insertCase } from "../support/cases";
import { describeEachDatabase } from "../support/databases";

const NOW = new Date("2026-11-22T10:00:00.000Z");
const later = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);


describeEachDatabase("Lucia adapter over Kysely", (database) => {
  let adapter: Adapter;
  let clock = NOW;
  let caseA: string;
  let caseB: string;
  const db = () => database().db;
  const storedSessions = () => db().selectFrom("case_session").selectAll().orderBy("expires_at").execute();

  beforeAll(async () => {
    caseA = await insertCase(db(), "100000000001", { country: "BE", language: "nl" });
    caseB = await insertCase(db(), "100000000002", { country: "BE", language: "nl" });
    adapter = createKyselyAdapter(db(), {
      sessionTable: "case_session",
      userTable: "case",
      userIdColumn: "case_id",
      userColumns: ["reference", "language"],
      now: () => clock,
    });
  });

  it("setSession stores the SHA-256 of the id, never the id itself", async () => {
    await adapter.setSession({ id: "raw-session-id-1", userId: caseA, expiresAt: later(30), attributes: {} });
    const rows = await db().selectFrom("case_session").selectAll().where("case_id", "=", caseA).execute();
    expect(rows).toEqual([{ id: hashSessionId("raw-session-id-1"), case_id: caseA, expires_at: later(30).toISOString() }]);
    expect(rows[0].id).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0].id).not.toContain("raw-session-id-1");
  });

  it("getSessionAndUser finds the session by its raw id and returns that raw id, with the user's columns", async () => {
    const [session, user] = await adapter.getSessionAndUser("raw-session-id-1");
    expect(session).toEqual({ id: "raw-session-id-1", userId: caseA, expiresAt: later(30), attributes: {} });
    expect(user).toEqual({ id: caseA, attributes: { reference: "100000000001", language: "nl" } });
  });

  it("getSessionAndUser does not accept the stored hash as an id, nor an unknown id", async () => {
    expect(await adapter.getSessionAndUser(hashSessionId("raw-session-id-1"))).toEqual([null, null]);
    expect(await adapter.getSessionAndUser("no-such-session")).toEqual([null, null]);
  });

  it("updateSessionExpiration moves the expiry of that session only", async () => {
    await adapter.setSession({ id: "raw-session-id-2", userId: caseA, expiresAt: later(10), attributes: {} });
    await adapter.updateSessionExpiration("raw-session-id-1", later(45));
    const [session] = await adapter.getSessionAndUser("raw-session-id-1");
    expect(session?.expiresAt).toEqual(later(45));
    const [other] = await adapter.getSessionAndUser("raw-session-id-2");
    expect(other?.expiresAt).toEqual(later(10));
  });

  it("getUserSessions lists the user's sessions (by their stored ids, since the raw ones are not kept)", async () => {
    await adapter.setSession({ id: "raw-session-id-3", userId: caseB, expiresAt: later(30), attributes: {} });
    const sessions = await adapter.getUserSessions(caseA);
    expect(sessions).toEqual([
      { id: hashSessionId("raw-session-id-2"), userId: caseA, expiresAt: later(10), attributes: {} },
      { id: hashSessionId("raw-session-id-1"), userId: caseA, expiresAt: later(45), attributes: {} },
    ]);
    expect(await adapter.getUserSessions("no-such-user")).toEqual([]);
  });

  it("deleteSession removes one session by its raw id", async () => {
    await adapter.deleteSession("raw-session-id-2");
    expect(await adapter.getSessionAndUser("raw-session-id-2")).toEqual([null, null]);
    expect((await adapter.getUserSessions(caseA)).map((s) => s.id)).toEqual([hashSessionId("raw-session-id-1")]);
  });

  it("deleteUserSessions removes every session of one user and no other", async () => {
    await adapter.setSession({ id: "raw-session-id-4", userId: caseA, expiresAt: later(20), attributes: {} });
    await adapter.deleteUserSessions(caseA);
    expect(await adapter.getUserSessions(caseA)).toEqual([]);
    expect((await storedSessions()).map((s) => s.case_id)).toEqual([caseB]);
  });

  it("deleteExpiredSessions removes the sessions whose expiry has passed on the services clock", async () => {
    await adapter.setSession({ id: "expired", userId: caseA, expiresAt: later(5), attributes: {} });
    await adapter.setSession({ id: "expires-now", userId: caseA, expiresAt: later(15), attributes: {} });
    await adapter.setSession({ id: "still-valid", userId: caseA, expiresAt: later(16), attributes: {} });
    clock = later(15);
    await adapter.deleteExpiredSessions();
    expect((await storedSessions()).map((s) => s.id)).toEqual([hashSessionId("still-valid"), hashSessionId("raw-session-id-3")]);
  });

  it("getSessionAndUser returns the session without a user when the user row is gone", async () => {
    const orphanAdapter = createKyselyAdapter(db(), {
      sessionTable: "case_session",
      userTable: "subject",
      userIdColumn: "case_id",
      now: () => clock,
    });
    // Joined against a table where the id is absent: Lucia then deletes the session.
    const [session, user] = await orphanAdapter.getSessionAndUser("still-valid");
    expect(session?.userId).toBe(caseA);
    expect(user).toBeNull();
  });
});
