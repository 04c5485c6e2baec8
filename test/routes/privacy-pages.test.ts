import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addCaseEvent } from "~/cases/cases.server";
import { enqueueMail } from "~/mail/outbox.server";
import type { CaseExport } from "~/privacy/export.server";
import { runRetention, setLegalHold } from "~/privacy/retention.server";
import { addConfirmedInstance } from "../support/cases";
import { Client, fileRequest, mainText, VALID_REQUEST } from "../support/client";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../support/databases";
import { startTestServer, type TestServer } from "../support/http";

/**
 * The requester's rights from their status page, over HTTP without
 * JavaScript: access (a page and a JSON file, in their language, never a
 * URL), erasure (explained, confirmed, at once; under a legal hold only what
 * may go), withdrawal offering erasure, rectification.
 */

const EMAIL = "private.person@example.org";
const WITH_EMAIL = { ...VALID_REQUEST, contact: { contactMethod: "email", email: EMAIL, organisation: "" } } as any;

describe.each(databaseKinds)("the requester's privacy pages [%s]", (kind) => {
  let database: TestDatabase;
  let server: TestServer;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    server = await startTestServer(database);
  });
  afterAll(async () => {
    await server?.close();
    await database?.destroy();
  });

  const caseIdOf = async (reference: string) =>
    (await database.db.selectFrom("case").select("id").where("reference", "=", reference.replaceAll(" ", "")).executeTakeFirstOrThrow()).id;

  async function richCase() {
    const client = new Client(server.url);
    const receipt = await fileRequest(client, WITH_EMAIL);
    const caseId = await caseIdOf(receipt.reference);
    expect((await client.post("/case/messages", { body: "Please hurry, I am scared." })).status).toBe(302);
    await database.db.updateTable("case").set({ identity_verified_at: new Date().toISOString() }).where("id", "=", caseId).execute();
    await addCaseEvent(server.services, caseId, { template: "searchStarted", visibleToRequester: true, actor: "staff", note: { text: "Wij zoeken verder.", language: "nl" } });
    await addConfirmedInstance(server.services, caseId, { removed: true });
    return { client, caseId, ...receipt };
  }

  it("links to the data page and to erasure from the requester's navigation", async () => {
    const { client } = await richCase();
    const html = await (await client.get("/case/status")).text();
    expect(html).toContain('href="/case/export"');
    expect(html).toContain('href="/case/erase"');
  });

  it("shows everything held, readable, and never a web address of the material", async () => {
    const { client, reference } = await richCase();
    const response = await client.get("/case/export");
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const html = await response.text();
    const text = mainText(html);
    for (const expected of [
      "Your data",
      reference,
      "You, the person in the images",
      EMAIL,
      "Please hurry, I am scared.",
      "Wij zoeken verder.",
      "We started searching.",
      "Hosting Example GmbH",
      "Bundeskriminalamt",
      "d41d8cd98f00b204e9800998ecf8427e",
      "Not shown, for your safety",
      "Why we hold this, and for how long",
      "Your contact details",
      "Record of who did what",
      "730 days",
      "data protection authority",
    ])
      expect(text, expected).toContain(expected);
    for (const never of ["hidden-host", "4711", "files.example.net", "example.org/gallery"]) expect(html, never).not.toContain(never);
  });

  it("downloads the same as a JSON file in the reader's language, with a neutral name, and audits it", async () => {
    const { client, caseId, reference } = await richCase();
    const response = await client.get("/case/export.json?lng=fr");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(response.headers.get("content-disposition")).toMatch(/^attachment; filename="export-\d{4}-\d{2}-\d{2}\.json"$/);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = await response.text();
    const document = JSON.parse(body) as CaseExport;
    expect(document.language).toBe("fr");
    expect(document.title).toBe("Vos données");
    expect(document.sections.map((s) => s.id)).toEqual(["request", "contact", "timeline", "items", "instances", "messages", "processing", "rights"]);
    expect(document.data.case.reference).toBe(reference.replaceAll(" ", ""));
    expect(document.data.contact.email).toBe(EMAIL);
    expect(document.data.messages).toEqual([expect.objectContaining({ from: "you", body: "Please hurry, I am scared." })]);
    expect(document.data.instances).toMatchObject({ level: "full", instances: [{ withheld: false, providerName: expect.stringContaining("Hosting Example GmbH"), removalState: "removed" }] });
    // The MD5 code is shown; the web address and the reference are not.
    expect(document.data.items).toHaveLength(3);
    expect(document.data.items.map((i) => i.value).filter(Boolean)).toEqual(["d41d8cd98f00b204e9800998ecf8427e"]);
    expect(document.data.processing.map((p) => p.data)).toContain("message");
    expect(body).toContain("Pourquoi nous conservons cela");
    for (const never of ["hidden-host", "4711", "files.example.net", "gallery"]) expect(body, never).not.toContain(never);
    const audit = await database.db.selectFrom("audit_log").select(["action", "actor_kind"]).where("case_id", "=", caseId).execute();
    expect(audit).toContainEqual({ action: "case.export", actor_kind: "requester" });
  });

  it("needs a signed-in requester", async () => {
    const anonymous = new Client(server.url);
    expect((await anonymous.get("/case/export")).headers.get("location")).toBe("/case");
    expect((await anonymous.get("/case/export.json")).headers.get("location")).toBe("/case");
    expect((await anonymous.get("/case/erase")).headers.get("location")).toBe("/case");
    expect((await anonymous.post("/case/erase", { confirm: "yes" })).headers.get("location")).toBe("/case");
  });

  it("explains erasure, insists on a confirmation, then erases at once and signs out", async () => {
    const { client, caseId, reference, secret } = await richCase();
    await enqueueMail(server.services, { to: EMAIL, template: "update", language: "en" });
    await enqueueMail(server.services, { to: "someone.else@example.org", template: "update", language: "en" });
    // A removal notice about this case, still queued for its provider, is cancelled too.
    await enqueueMail(server.services, { to: "abuse@host.example", template: "update", language: "en", caseId });

    const page = mainText(await (await client.get("/case/erase")).text());
    expect(page).toContain("What is erased now");
    expect(page).toContain("Your messages with your caseworker (1 message).");
    expect(page).toContain("What we must keep, and why");
    expect(page).not.toContain("A legal hold applies");

    const unconfirmed = await client.post("/case/erase", {});
    expect(unconfirmed.status).toBe(400);
    expect(mainText(await unconfirmed.text())).toContain("Tick the box to confirm");
    expect(await database.db.selectFrom("case").select("id").where("id", "=", caseId).executeTakeFirst()).toBeDefined();

    const erased = await client.post("/case/erase", { confirm: "yes" });
    expect(erased.status).toBe(302);
    expect(erased.headers.get("location")).toBe("/case?erased=1");
    const landing = await client.follow(erased);
    expect(mainText(await landing.text())).toContain("Your data has been erased.");
    expect((await client.get("/case/status")).headers.get("location")).toBe("/case");

    expect(await database.db.selectFrom("case").select("id").where("id", "=", caseId).executeTakeFirst()).toBeUndefined();
    for (const table of ["item", "message", "case_event", "match", "case_session"] as const)
      expect(await database.db.selectFrom(table).select("case_id").where("case_id", "=", caseId).execute(), table).toEqual([]);
    const recipients = (await database.db.selectFrom("outbox").select("recipient_enc").execute()).map((r) => server.services.vault.decrypt(r.recipient_enc, "outbox.recipient_enc"));
    expect(recipients).not.toContain(EMAIL);
    expect(recipients).not.toContain("abuse@host.example");
    expect(recipients).toContain("someone.else@example.org");
    const stats = await database.db.selectFrom("case_statistics").selectAll().where("reduced_because", "=", "erasure").execute();
    expect(stats.length).toBeGreaterThan(0);
    expect(JSON.stringify(stats)).not.toContain(reference.replaceAll(" ", ""));

    const again = await new Client(server.url).post("/case", { reference, secret });
    expect(again.status).toBe(400);
  });

  it("under a legal hold, erases contact details now, keeps the rest locked, and erases it when the hold ends", async () => {
    const { client, caseId } = await richCase();
    await setLegalHold(server.services, caseId, { hold: true, reason: "Investigation 2027/9", staffId: "staff-1" });
    const page = mainText(await (await client.get("/case/erase")).text());
    expect(page).toContain("A legal hold applies to your request");
    expect(page).toContain("Article 17(3)");
    expect(page).not.toContain("Investigation 2027/9");

    const erased = await client.post("/case/erase", { confirm: "yes" });
    expect(erased.headers.get("location")).toBe("/case?erased=held");
    expect((await client.get("/case/status")).headers.get("location")).toBe("/case");
    const c = await database.db
      .selectFrom("case")
      .innerJoin("subject", "subject.id", "case.subject_id")
      .select(["case.contact_method", "case.erasure_requested_at", "subject.email_enc", "subject.email_bidx"])
      .where("case.id", "=", caseId)
      .executeTakeFirstOrThrow();
    expect(c).toMatchObject({ contact_method: "none", email_enc: null, email_bidx: null });
    expect(c.erasure_requested_at).not.toBeNull();
    expect(await database.db.selectFrom("message").select("id").where("case_id", "=", caseId).execute()).toHaveLength(1);

    await runRetention(server.services);
    expect(await database.db.selectFrom("case").select("id").where("id", "=", caseId).executeTakeFirst()).toBeDefined();
    await setLegalHold(server.services, caseId, { hold: false, reason: "Closed", staffId: "staff-1" });
    await runRetention(server.services);
    expect(await database.db.selectFrom("case").select("id").where("id", "=", caseId).executeTakeFirst()).toBeUndefined();
  });

  it("offers erasure when withdrawing, and erasure still works on a withdrawn case", async () => {
    const { client, caseId } = await richCase();
    const page = mainText(await (await client.get("/case/withdraw")).text());
    expect(page).toContain("we keep your request for 30 days");
    expect(page).toContain("Or erase everything now");
    expect((await client.post("/case/withdraw", {})).status).toBe(302);
    const audit = await database.db.selectFrom("audit_log").select("action").where("case_id", "=", caseId).execute();
    expect(audit.map((a) => a.action)).toContain("case.withdraw");
    const status = await (await client.get("/case/status")).text();
    expect(status).toContain('href="/case/erase"');
    expect((await client.post("/case/erase", { confirm: "yes" })).headers.get("location")).toBe("/case?erased=1");
    expect(await database.db.selectFrom("case").select("id").where("id", "=", caseId).executeTakeFirst()).toBeUndefined();
  });

  it("lets the requester correct contact details (rectification), and the export shows the correction", async () => {
    const { client } = await richCase();
    expect((await client.post("/case/preferences", { intent: "contact", contactMethod: "email", email: "new.address@example.org", organisation: "" })).status).toBe(302);
    const text = mainText(await (await client.get("/case/export")).text());
    expect(text).toContain("new.address@example.org");
    expect(text).not.toContain(EMAIL);
  });

  it("renders the data and erase pages in Arabic, right to left", async () => {
    const { client } = await richCase();
    const exportPage = await (await client.get("/case/export?lng=ar")).text();
    expect(exportPage).toContain('dir="rtl"');
    expect(mainText(exportPage)).toContain("بياناتك");
    const erasePage = await (await client.get("/case/erase?lng=ar")).text();
    expect(mainText(erasePage)).toContain("محو بياناتك");
  });
});
