import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStaffSession } from "~/sessions/session.server";
import { insertCase } from "../support/cases";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../support/databases";
import { startTestServer, type TestServer } from "../support/http";
import { addStaff } from "../support/sightings";

/** A support worker exercises the victim's rights of access and erasure for them (GDPR Art. 15 and 17). */
describe.each(databaseKinds)("a support worker acting for the victim [%s]", (kind) => {
  let database: TestDatabase;
  let server: TestServer;
  let cookie: string;
  const organisationId = randomUUID();

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    server = await startTestServer(database);
    const at = new Date().toISOString();
    await database.db.insertInto("organisation").values({ id: organisationId, kind: "support_organisation", name: "Support S", country: "NL", serves_countries: "[]", created_at: at }).execute();
    const userId = (await addStaff(server.services, organisationId, "support_worker", "sven")).id;
    cookie = (await createStaffSession(server.services, userId, { twoFactorVerified: true })).split(";")[0];
  });
  afterAll(async () => {
    await server?.close();
    await database?.destroy();
  });

  it("downloads the victim's data, then erases it on their instruction", async () => {
    const caseId = await insertCase(database.db, "730000000001", { filed_by_organisation_id: organisationId, relation: "support_organisation" });
    const exported = await fetch(`${server.url}/staff/filed/${caseId}/export.json`, { headers: { cookie } });
    expect(exported.status).toBe(200);
    expect(exported.headers.get("content-disposition")).toMatch(/^attachment; filename="export-\d{4}-\d{2}-\d{2}\.json"$/);
    expect(JSON.stringify(await exported.json())).toContain("7300 0000 0001");

    const post = (form: Record<string, string>) =>
      fetch(`${server.url}/staff/filed/${caseId}`, {
        method: "POST",
        redirect: "manual",
        headers: { cookie, origin: server.url, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(form).toString(),
      });
    expect((await post({ intent: "erase" })).status).toBe(400);
    const erased = await post({ intent: "erase", confirm: "yes" });
    expect(erased.status).toBe(302);
    expect(erased.headers.get("location")).toBe("/staff/filed");
    expect(await database.db.selectFrom("case").select("id").where("id", "=", caseId).executeTakeFirst()).toBeUndefined();
    const audit = await database.db.selectFrom("audit_log").select(["action", "actor_kind"]).where("case_id", "=", caseId).execute();
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(["case.export"]));
  });
});
