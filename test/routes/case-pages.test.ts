import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addCaseEvent } from "~/cases/cases.server";
import { EU_CENTRE_ID } from "~/db/schema";
import { REFERENCE_FAILURE_LIMIT } from "~/sessions/rate-limit.server";
import { Client, fileRequest, mainText, VALID_REQUEST } from "../support/client";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../support/databases";
import { startTestServer, type TestServer } from "../support/http";
import { allocateSightingSeqs } from "~/sightings/sequence.server";

const SIGHTING_URL = "https://hidden-host.example/abuse/path/4711.jpg";

/** Coming back with a reference and a secret, and what the status page may and may not show. */
describe.each(databaseKinds)("the requester's pages [%s]", (kind) => {
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

  /** A provider, a sighting with a URL, and a match to the case's first item. */
  async function addInstance(caseId: string, options: { state?: "candidate" | "confirmed" | "rejected"; withheldUntil?: string; removed?: boolean } = {}) {
    const providerId = randomUUID();
    const sightingId = randomUUID();
    const at = new Date().toISOString();
    await database.db
      .insertInto("provider")
      .values({ id: providerId, name: `Hosting ${providerId.slice(0, 4)}`, country: "DE", removal_contact: "abuse@host.example", languages: '["de","en"]', created_at: at })
      .execute();
    const [seq] = await database.db.transaction().execute((trx) => allocateSightingSeqs(trx, 1));
    await database.db
      .insertInto("sighting")
      .values({
        id: sightingId,
        seq,
        source_organisation_id: EU_CENTRE_ID,
        source_ref: sightingId,
        provider_id: providerId,
        url: SIGHTING_URL,
        pdq: null,
        pdq_quality: null,
        sha256: null,
        md5: "d41d8cd98f00b204e9800998ecf8427e",
        reported_at: "2026-10-01T09:00:00.000Z",
        forwarded_to: '["Bundeskriminalamt"]',
        forwarded_at: "2026-10-02T09:00:00.000Z",
        removal_state: options.removed ? "removed" : "online",
        removed_at: options.removed ? "2026-10-03T09:00:00.000Z" : null,
        withheld_until: options.withheldUntil ?? null,
        created_at: at,
      })
      .execute();
    const item = await database.db.selectFrom("item").select("id").where("case_id", "=", caseId).executeTakeFirstOrThrow();
    await database.db
      .insertInto("match")
      .values({ id: randomUUID(), case_id: caseId, item_id: item.id, sighting_id: sightingId, distance: 0, state: options.state ?? "confirmed", decided_by: null, decided_at: null, created_at: at })
      .execute();
  }

  it("signs in with the reference and secret as typed, with or without spaces, and signs out", async () => {
    const { reference, secret } = await fileRequest(new Client(server.url));
    const c = new Client(server.url);
    expect((await c.get("/case/status")).headers.get("location")).toBe("/case");
    const signIn = await c.post("/case", { reference: reference.replaceAll(" ", ""), secret: ` ${secret} ` });
    expect(signIn.status).toBe(302);
    expect(signIn.headers.get("location")).toBe("/case/status");
    const cookie = signIn.headers.getSetCookie().find((h) => h.startsWith("reclaim_case="))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).not.toMatch(/Expires|Max-Age/i);
    expect((await c.get("/case/status")).status).toBe(200);
    const out = await c.post("/case/sign-out", {});
    expect(out.headers.get("location")).toBe("/case?signedOut=1");
    expect((await c.get("/case/status")).status).toBe(302);
  });

  it("refuses a wrong secret and an unknown reference with the same words", async () => {
    const { reference } = await fileRequest(new Client(server.url));
    const wrong = await new Client(server.url).post("/case", { reference, secret: "0000 0000 0000 0000" });
    const unknown = await new Client(server.url).post("/case", { reference: "9999 9999 9998", secret: "0000 0000 0000 0000" });
    expect(wrong.status).toBe(400);
    expect(unknown.status).toBe(400);
    const [a, b] = [mainText(await wrong.text()), mainText(await unknown.text())];
    expect(a).toContain("The reference or the secret is not right");
    expect(a.replace(/\d/g, "")).toBe(b.replace(/\d/g, ""));
  });

  it("stops guessing: the rate limit engages and says when to try again", async () => {
    const { reference, secret } = await fileRequest(new Client(server.url));
    const c = new Client(server.url);
    let last: Response | undefined;
    for (let i = 0; i <= REFERENCE_FAILURE_LIMIT + 1; i++) {
      last = await c.post("/case", { reference, secret: "1111 1111 1111 1111" });
      if (last.status === 429) break;
    }
    expect(last!.status).toBe(429);
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(mainText(await last!.text())).toContain("Too many attempts");
    // Even the right secret is refused while the limit holds.
    expect((await c.post("/case", { reference, secret })).status).toBe(429);
  });

  it("shows no instance before identity is verified, and never a URL", async () => {
    const c = new Client(server.url);
    const { reference } = await fileRequest(c);
    const caseId = await caseIdOf(reference);
    await addInstance(caseId);
    const html = await (await c.get("/case/status")).text();
    expect(mainText(html)).toContain("once we have confirmed who is asking");
    expect(html).not.toContain("hidden-host");
  });

  it("shows confirmed instances with the Article 20 facts at full detail, never the URL, never candidates", async () => {
    const c = new Client(server.url);
    const { reference } = await fileRequest(c);
    const caseId = await caseIdOf(reference);
    await database.db.updateTable("case").set({ identity_verified_at: new Date().toISOString() }).where("id", "=", caseId).execute();
    await addInstance(caseId, { removed: true });
    await addInstance(caseId, { state: "candidate" });
    await addInstance(caseId, { state: "rejected" });
    await addInstance(caseId, { withheldUntil: "2027-06-30T00:00:00.000Z" });
    const html = await (await c.get("/case/status")).text();
    const text = mainText(html);
    expect(text).toContain("Show the details (2 places)");
    expect(text).toContain("Germany");
    expect(text).toContain("Bundeskriminalamt");
    expect(text).toContain("October 1, 2026");
    expect(text).toContain("Yes, on October 3, 2026");
    expect(text).toContain("hold back information about this until June 30, 2027");
    expect(html).not.toContain("hidden-host");
    expect(html).not.toContain("4711");
    // The requester's own items are not echoed back either.
    expect(html).not.toContain("files.example.net");
  });

  it("shows counts only at summary level and only the outcome when asked for that", async () => {
    const c = new Client(server.url);
    const { reference } = await fileRequest(c, { ...VALID_REQUEST, detail: { disclosure: "summary" } } as any);
    const caseId = await caseIdOf(reference);
    await database.db.updateTable("case").set({ identity_verified_at: new Date().toISOString() }).where("id", "=", caseId).execute();
    await addInstance(caseId, { removed: true });
    await addInstance(caseId);
    const summary = mainText(await (await c.get("/case/status")).text());
    expect(summary).toContain("Found in 2 places");
    expect(summary).toContain("Removed from 1 place");
    expect(summary).not.toContain("Germany");

    expect((await c.post("/case/preferences", { intent: "detail", disclosure: "outcome" })).status).toBe(302);
    const outcome = mainText(await (await c.get("/case/status")).text());
    expect(outcome).toContain("only the final outcome");
    expect(outcome).not.toContain("Found in 2 places");
  });

  it("renders the timeline in the reader's language, with a caseworker's note as written", async () => {
    const c = new Client(server.url);
    const { reference } = await fileRequest(c);
    const caseId = await caseIdOf(reference);
    await addCaseEvent(server.services, caseId, {
      template: "searchStarted",
      visibleToRequester: true,
      actor: "staff",
      note: { text: "We zoeken nu bij de bekende hostingbedrijven.", language: "nl" },
    });
    await addCaseEvent(server.services, caseId, { template: "internalNote", visibleToRequester: false, actor: "staff" });
    const english = mainText(await (await c.get("/case/status")).text());
    expect(english).toContain("We started searching.");
    expect(english).toContain("We zoeken nu bij de bekende hostingbedrijven.");
    expect(english).toContain("Written in Nederlands");
    expect(english).not.toContain("internalNote");
    const arabic = await (await c.get("/case/status?lng=ar")).text();
    expect(arabic).toContain('dir="rtl"');
    expect(arabic).toContain('lang="nl"');
    expect(mainText(arabic)).toContain("We zoeken nu bij de bekende hostingbedrijven.");
    expect(mainText(arabic)).not.toContain("We started searching.");
  });

  it("adds items, sends a message, reads a reply, changes contact and withdraws", async () => {
    const c = new Client(server.url);
    const { reference } = await fileRequest(c);
    const caseId = await caseIdOf(reference);

    const bad = await c.post("/case/items", { urls: "nope", pdq: "", sha256: "", md5: "", references: "" });
    expect(bad.status).toBe(400);
    const added = await c.post("/case/items", { urls: "https://another.example/x", pdq: "", sha256: "", md5: "", references: "Police case 2026/114" });
    expect(added.status).toBe(302);
    const items = await database.db.selectFrom("item").select("kind").where("case_id", "=", caseId).execute();
    expect(items).toHaveLength(5);

    expect((await c.post("/case/messages", { body: "" })).status).toBe(400);
    expect((await c.post("/case/messages", { body: "Hello, I found more." })).status).toBe(302);
    const stored = await database.db.selectFrom("message").select("body_enc").where("case_id", "=", caseId).executeTakeFirstOrThrow();
    expect(stored.body_enc).not.toContain("Hello");
    await database.db
      .insertInto("message")
      .values({
        id: randomUUID(),
        case_id: caseId,
        direction: "to_requester",
        body_enc: server.services.vault.encrypt("Thank you, we will look.", "message.body_enc"),
        language: "en",
        sent_at: new Date(Date.now() + 1000).toISOString(),
        read_at: null,
      })
      .execute();
    expect(mainText(await (await c.get("/case/status")).text())).toContain("Messages (1 new)");
    const conversation = mainText(await (await c.get("/case/messages")).text());
    expect(conversation).toContain("Hello, I found more.");
    expect(conversation).toContain("Thank you, we will look.");

    expect((await c.post("/case/preferences", { intent: "contact", contactMethod: "email", email: "bad" })).status).toBe(400);
    expect((await c.post("/case/preferences", { intent: "contact", contactMethod: "email", email: "me@example.org" })).status).toBe(302);
    const subject = await database.db
      .selectFrom("subject")
      .innerJoin("case", "case.subject_id", "subject.id")
      .select(["subject.email_enc", "subject.email_bidx"])
      .where("case.id", "=", caseId)
      .executeTakeFirstOrThrow();
    expect(subject.email_enc).not.toContain("example.org");
    expect(server.services.vault.decrypt(subject.email_enc!, "subject.email_enc")).toBe("me@example.org");

    // A caseworker's update now puts a neutral notice in the outbox.
    const before = await database.db.selectFrom("outbox").select("id").execute();
    await addCaseEvent(server.services, caseId, { template: "searchStarted", visibleToRequester: true, actor: "staff" });
    const after = await database.db.selectFrom("outbox").select(["template", "recipient_enc"]).execute();
    expect(after.length).toBe(before.length + 1);
    expect(after.at(-1)!.recipient_enc).not.toContain("example.org");

    const confirm = await c.get("/case/withdraw");
    expect(mainText(await confirm.text())).toContain("all work on it stops");
    expect((await c.post("/case/withdraw", {})).status).toBe(302);
    const status = mainText(await (await c.get("/case/status")).text());
    expect(status).toContain("Withdrawn");
    expect(status).toContain("You withdrew your request.");
    expect((await c.get("/case/items")).status).toBe(302);
    expect((await c.post("/case/messages", { body: "more" })).status).toBe(302);
  });

  it("never lets a page be cached, never offers a file upload", async () => {
    const c = new Client(server.url);
    await fileRequest(c);
    for (const path of ["/", "/request", "/request/who", "/case/status", "/case/items", "/case/messages", "/case/preferences", "/case/withdraw"]) {
      const response = await c.get(path);
      expect(response.headers.get("cache-control"), path).toBe("no-store");
      const html = await response.text();
      expect(html, path).not.toMatch(/type="file"/);
      expect(html, path).not.toMatch(/multipart\/form-data/);
    }
  });
});
