import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decryptEmail } from "~/staff/accounts.server";
import { Client, mainText, testId } from "../support/client";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../support/databases";
import { startTestServer, type TestServer } from "../support/http";
import { createActiveStaff, insertOrganisation, keyFromPage, signIn, TEST_PASSWORD, totp } from "../support/staff";
import en from "../../locales/en/staff.json";

/** The administrator's pages: the organisation's users (invite, disable, a new link) and the organisations. */
describe.each(databaseKinds)("administration [%s]", (kind) => {
  let database: TestDatabase;
  let server: TestServer;
  let organisationId: string;
  let otherOrganisationId: string;
  let admin: Client;
  let adminId: string;

  /** A signed-in administrator with TOTP enrolled. */
  async function signedInAdministrator(orgId: string) {
    const account = await createActiveStaff(server.services, { organisationId: orgId, role: "administrator", displayName: "Ada Admin" });
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
    otherOrganisationId = await insertOrganisation(server.services, "hotline", "Other Hotline");
    ({ client: admin, userId: adminId } = await signedInAdministrator(organisationId));
  });
  afterAll(async () => {
    await server?.close();
    await database?.destroy();
  });

  const setupLink = (html: string) => testId(html, "setup-link");

  it("lists the organisation's users, and sends the administrator there from /staff", async () => {
    expect((await admin.get("/staff")).headers.get("location")).toBe("/staff/admin");
    const page = await admin.get("/staff/admin");
    expect(page.status).toBe(200);
    const text = mainText(await page.text());
    expect(text).toContain(en.users.title);
    expect(text).toContain("Ada Admin");
    expect(text).toContain(en.roles.administrator);
  });

  it("invites a user: the account, a one-time link shown to the administrator, a neutral e-mail, an audit row", async () => {
    const response = await admin.post("/staff/admin", { intent: "invite", email: "casey@authority.example", displayName: "Casey Caseworker", role: "caseworker" });
    expect(response.status).toBe(200);
    const html = await response.text();
    const link = setupLink(html);
    expect(link).toMatch(/^http:\/\/localhost:3000\/staff\/setup\/[a-z2-7]{32}$/);
    expect(mainText(html)).toContain(en.users.states.invited);

    const row = await database.db.selectFrom("staff_user").selectAll().where("display_name", "=", "Casey Caseworker").executeTakeFirstOrThrow();
    expect(row).toMatchObject({ organisation_id: organisationId, role: "caseworker", password_hash: null, invited_by: adminId });
    expect(decryptEmail(server.services.vault, row.email_enc)).toBe("casey@authority.example");
    const mail = await database.db.selectFrom("outbox").selectAll().where("template", "=", "invitation").execute();
    expect(mail).toHaveLength(1);
    expect(mail[0].recipient_enc).not.toContain("casey");
    const audit = await database.db.selectFrom("audit_log").select(["action", "actor_id", "details"]).where("action", "=", "staff.user.invite").execute();
    expect(audit.some((a) => a.actor_id === adminId && JSON.parse(a.details).userId === row.id)).toBe(true);

    // The person sets up through the link and signs in.
    const casey = new Client(server.url);
    const path = new URL(link!).pathname;
    expect((await casey.post(path, { password: TEST_PASSWORD, confirm: TEST_PASSWORD })).headers.get("location")).toBe("/staff");
    expect((await casey.get("/staff")).headers.get("location")).toBe("/staff/two-factor/setup");
  });

  it("refuses an invitation with errors a person can act on", async () => {
    const response = await admin.post("/staff/admin", { intent: "invite", email: "not an address", displayName: " ", role: "boss" });
    expect(response.status).toBe(400);
    const text = mainText(await response.text());
    for (const message of [en.users.errors.email, en.users.errors.name, en.users.errors.role]) expect(text).toContain(message);
    const taken = await admin.post("/staff/admin", { intent: "invite", email: "CASEY@authority.example", displayName: "Casey Again", role: "caseworker" });
    expect(taken.status).toBe(400);
    expect(mainText(await taken.text())).toContain(en.users.errors.emailTaken);
  });

  it("disables a user: signed out at once, cannot sign in; enabled again, can", async () => {
    const worker = await createActiveStaff(server.services, { organisationId, role: "support_worker", displayName: "Wendy Worker" });
    const wendy = new Client(server.url);
    await signIn(wendy, worker.email, worker.password);
    expect((await wendy.get("/staff/account")).status).toBe(200);

    const disabled = await admin.post("/staff/admin", { intent: "disable", userId: worker.userId });
    expect(disabled.status).toBe(200);
    expect(mainText(await disabled.text())).toContain(en.users.disabled.replace("{{name}}", "Wendy Worker"));
    expect((await wendy.get("/staff/account")).headers.get("location")).toBe("/staff/sign-in");
    expect(await signIn(new Client(server.url), worker.email, worker.password)).toBeNull();

    expect((await admin.post("/staff/admin", { intent: "enable", userId: worker.userId })).status).toBe(200);
    expect(await signIn(new Client(server.url), worker.email, worker.password)).toBe("/staff/filed");
  });

  it("gives a new set-up link that clears the password and the second factor", async () => {
    const caseworker = await createActiveStaff(server.services, { organisationId, role: "caseworker", displayName: "Lost Phone" });
    const response = await admin.post("/staff/admin", { intent: "reset", userId: caseworker.userId });
    expect(response.status).toBe(200);
    const link = setupLink(await response.text());
    expect(link).toBeDefined();
    expect(await signIn(new Client(server.url), caseworker.email, caseworker.password)).toBeNull();
    const client = new Client(server.url);
    const newPassword = "a brand new passphrase";
    expect((await client.post(new URL(link!).pathname, { password: newPassword, confirm: newPassword })).status).toBe(302);
    expect((await client.get("/staff")).headers.get("location")).toBe("/staff/two-factor/setup");
  });

  it("cannot reach users of another organisation, nor act on itself", async () => {
    const stranger = await createActiveStaff(server.services, { organisationId: otherOrganisationId, role: "support_worker", displayName: "Stranger" });
    expect(mainText(await (await admin.get("/staff/admin")).text())).not.toContain("Stranger");
    for (const intent of ["disable", "reset", "enable"]) {
      const response = await admin.post("/staff/admin", { intent, userId: stranger.userId });
      expect(response.status, intent).toBe(404);
      expect(mainText(await response.text())).toContain(en.users.errors.notFound);
    }
    expect(await signIn(new Client(server.url), stranger.email, stranger.password)).toBe("/staff/filed");
    const self = await admin.post("/staff/admin", { intent: "disable", userId: adminId });
    expect(self.status).toBe(400);
    expect(mainText(await self.text())).toContain(en.users.errors.self);
  });

  describe("organisations", () => {
    it("lists them, the EU Centre among them", async () => {
      const page = await admin.get("/staff/admin/organisations");
      expect(page.status).toBe(200);
      const text = mainText(await page.text());
      expect(text).toContain("EU Centre");
      expect(text).toContain("Dutch Authority");
    });

    it("creates a partner with the countries it serves", async () => {
      const response = await admin.post("/staff/admin/organisations", { name: "East Africa Partner", kind: "partner", country: "KE", servesCountries: "ke, UG ,tz" });
      expect(response.status).toBe(200);
      expect(mainText(await response.text())).toContain(en.organisations.created.replace("{{name}}", "East Africa Partner"));
      const row = await database.db.selectFrom("organisation").selectAll().where("name", "=", "East Africa Partner").executeTakeFirstOrThrow();
      expect(row).toMatchObject({ kind: "partner", country: "KE", serves_countries: '["KE","TZ","UG"]' });
    });

    it("validates kind, member state, countries served and unique names", async () => {
      const cases: [Record<string, string>, string[]][] = [
        [{ name: "", kind: "ministry", country: "", servesCountries: "" }, [en.organisations.errors.name, en.organisations.errors.kind]],
        [{ name: "Swiss Authority", kind: "coordinating_authority", country: "CH", servesCountries: "" }, [en.organisations.errors.memberState]],
        [{ name: "Partner", kind: "partner", country: "", servesCountries: "" }, [en.organisations.errors.servesMissing]],
        [{ name: "Partner", kind: "partner", country: "", servesCountries: "UG, XX" }, [en.organisations.errors.serves.replace("{{codes}}", "XX")]],
        [{ name: "Hotline", kind: "hotline", country: "ZZ", servesCountries: "UG" }, [en.organisations.errors.country, en.organisations.errors.servesOnlyPartner]],
        [{ name: "dutch authority", kind: "coordinating_authority", country: "NL", servesCountries: "" }, [en.organisations.errors.nameTaken]],
        [{ name: "Second EU Centre", kind: "eu_centre", country: "", servesCountries: "" }, [en.organisations.errors.kind]],
      ];
      for (const [form, messages] of cases) {
        const response = await admin.post("/staff/admin/organisations", form);
        expect(response.status, JSON.stringify(form)).toBe(400);
        const text = mainText(await response.text());
        for (const message of messages) expect(text, JSON.stringify(form)).toContain(message);
      }
    });
  });
});
