import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, mainText } from "../support/client";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../support/databases";
import { startTestServer, type TestServer } from "../support/http";
import { createActiveStaff, insertOrganisation, keyFromPage, signIn, totp } from "../support/staff";

/** Administrators read the record of processing (GDPR Art. 30) in the UI and download it; nobody else can. */
describe.each(databaseKinds)("the record of processing for administrators [%s]", (kind) => {
  let database: TestDatabase;
  let server: TestServer;
  let organisationId: string;

  async function signedIn(role: "administrator" | "caseworker") {
    const account = await createActiveStaff(server.services, { organisationId, role });
    const client = new Client(server.url);
    await signIn(client, account.email, account.password);
    const key = keyFromPage(await (await client.get("/staff/two-factor/setup")).text());
    await client.follow(await client.post("/staff/two-factor/setup", { code: totp(key) }));
    return { client, userId: account.userId };
  }

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    server = await startTestServer(database);
    organisationId = await insertOrganisation(server.services, "coordinating_authority", "Dutch Authority");
  });
  afterAll(async () => {
    await server?.close();
    await database?.destroy();
  });

  it("shows every table to an administrator, offers the Markdown, and audits both", async () => {
    const { client, userId } = await signedIn("administrator");
    const page = await client.get("/staff/admin/privacy");
    expect(page.status).toBe(200);
    const text = mainText(await page.text());
    expect(text).toContain("Record of processing");
    for (const expected of ["Purposes of the processing", "Time limits for erasure", "audit_log", "email_enc", "365 days after closing"]) expect(text).toContain(expected);

    const file = await client.get("/staff/admin/privacy.md");
    expect(file.status).toBe(200);
    expect(file.headers.get("content-disposition")).toBe('attachment; filename="record-of-processing.md"');
    expect(await file.text()).toMatch(/^# Record of processing activities \(GDPR Art\. 30\)/);

    const audit = await database.db.selectFrom("audit_log").select("action").where("actor_id", "=", userId).execute();
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(["privacy.record.view", "privacy.record.download"]));
  });

  it("refuses a caseworker and an anonymous visitor", async () => {
    const { client } = await signedIn("caseworker");
    expect((await client.get("/staff/admin/privacy")).status).toBe(403);
    expect((await client.get("/staff/admin/privacy.md")).status).toBe(403);
    expect((await new Client(server.url).get("/staff/admin/privacy")).status).toBe(302);
  });
});
