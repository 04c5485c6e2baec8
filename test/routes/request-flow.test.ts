import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, fileRequest, fillRequest, mainText, testId, VALID_REQUEST } from "../support/client";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../support/databases";
import { startTestServer, type TestServer } from "../support/http";

/** The victim's request over HTTP, as a browser without JavaScript sends it. */
describe.each(databaseKinds)("filing a request [%s]", (kind) => {
  let database: TestDatabase;
  let server: TestServer;
  const client = () => new Client(server.url);
  const count = async (table: "case" | "subject" | "item" | "case_event" | "request_draft") =>
    Number((await database.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n);

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    server = await startTestServer(database);
  });
  afterAll(async () => {
    await server?.close();
    await database?.destroy();
  });

  it("files a request and hands out a reference and a secret, digits in groups", async () => {
    const c = client();
    const { reference, secret } = await fileRequest(c);
    expect(reference).toMatch(/^\d{4} \d{4} \d{4}$/);
    expect(secret).toMatch(/^\d{4} \d{4} \d{4} \d{4}$/);

    const row = await database.db.selectFrom("case").selectAll().where("reference", "=", reference.replaceAll(" ", "")).executeTakeFirstOrThrow();
    expect(row.secret_hash).toMatch(/^\$argon2id\$/);
    expect(JSON.stringify(row)).not.toContain(secret.replaceAll(" ", ""));
    expect(row).toMatchObject({ route: "eu", country: "NL", relation: "self", wants_information: 1, wants_removal: 1, disclosure: "full", status: "received" });
    const items = await database.db.selectFrom("item").select(["kind", "value"]).where("case_id", "=", row.id).orderBy("kind").execute();
    expect(items).toEqual([
      { kind: "md5", value: "d41d8cd98f00b204e9800998ecf8427e" },
      { kind: "url", value: "https://files.example.net/a/1.jpg" },
      { kind: "url", value: "https://example.org/gallery/2" },
    ].sort((a, b) => a.kind.localeCompare(b.kind)));
    // The draft is gone, and the person is signed in to their new case.
    expect(c.cookies.has("reclaim_draft")).toBe(false);
    const status = await c.get("/case/status");
    expect(status.status).toBe(200);
    expect(mainText(await status.text())).toContain(reference);
  });

  it("routes residents outside the EU to the voluntary route, and says so", async () => {
    const c = client();
    await fillRequest(c, { ...VALID_REQUEST, where: { country: "BR" } } as any);
    const review = mainText(await (await c.get("/request/review")).text());
    expect(review).toContain("voluntary route");
    const { reference } = await fileRequest(c, { ...VALID_REQUEST, where: { country: "BR" } } as any);
    const row = await database.db.selectFrom("case").select("route").where("reference", "=", reference.replaceAll(" ", "")).executeTakeFirstOrThrow();
    expect(row.route).toBe("voluntary");
  });

  it("makes one case of a double click, and both clicks show the same receipt", async () => {
    const c = client();
    await fillRequest(c);
    const before = await count("case");
    const [first, second] = await Promise.all([c.post("/request/review", {}), c.post("/request/review", {})]);
    const [a, b] = [await first.text(), await second.text()];
    expect(testId(a, "case-reference")).toBeTruthy();
    expect(testId(a, "case-reference")).toBe(testId(b, "case-reference"));
    expect(testId(a, "case-secret")).toBe(testId(b, "case-secret"));
    expect(await count("case")).toBe(before + 1);
  });

  it("never shows the receipt again to a replayed form", async () => {
    const c = client();
    await fillRequest(c);
    const cookie = c.cookies.get("reclaim_draft")!;
    await c.post("/request/review", {});
    // The first response cleared the cookie: a replay from history carries none.
    const replay = await c.post("/request/review", {});
    expect(replay.status).toBe(409);
    const html = await replay.text();
    expect(testId(html, "case-secret")).toBeUndefined();
    // Even with the old cookie, after the resubmit window nothing is shown either.
    const late = client();
    late.cookies.set("reclaim_draft", cookie);
    server.services.now = () => new Date(Date.now() + 5 * 60_000);
    try {
      const response = await late.post("/request/review", {});
      expect(response.status).toBe(409);
      const text = await response.text();
      expect(testId(text, "case-secret")).toBeUndefined();
      expect(mainText(text)).toContain("already sent");
    } finally {
      server.services.now = () => new Date();
    }
  });

  it("refuses bad answers with a summary linking to each field, keeps what was typed, and writes nothing", async () => {
    const c = client();
    await fillRequest(c);
    const drafts = await count("request_draft");
    const typed = "not a web address\nhttps://ok.example.com/x";
    const response = await c.post("/request/items", { urls: typed, pdq: "abc", sha256: "", md5: "zz", references: "" });
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain('class="error-summary"');
    expect(html).toContain('href="#field-urls"');
    expect(html).toContain('href="#field-pdq"');
    expect(html).toContain('href="#field-md5"');
    expect(html).toContain('id="field-urls-error"');
    expect(mainText(html)).toContain("Line 1: this is not a web address");
    expect(html).toContain("not a web address\nhttps://ok.example.com/x");
    expect(await count("request_draft")).toBe(drafts);
  });

  it("explains each kind of mistake in the visitor's language", async () => {
    const c = new Client(server.url, { "accept-language": "fr" });
    await c.get("/request/who");
    const forged = await c.post("/request/who", { relation: "support_organisation" });
    expect(forged.status).toBe(400);
    expect(mainText(await forged.text())).toContain("Choisissez");
  });

  it("refuses unknown countries, forged choices, over-long text and too many items", async () => {
    const c = client();
    await fillRequest(c);
    expect((await c.post("/request/where", { country: "XX" })).status).toBe(400);
    expect((await c.post("/request/where", { country: "<script>" })).status).toBe(400);
    expect((await c.post("/request/what", { wants: "everything" })).status).toBe(400);
    expect((await c.post("/request/detail", { disclosure: "" })).status).toBe(400);
    const longReference = await c.post("/request/items", { urls: "", pdq: "", sha256: "", md5: "", references: "x".repeat(201) });
    expect(longReference.status).toBe(400);
    const tooMany = Array.from({ length: 201 }, (_, i) => `https://example.com/${i}`).join("\n");
    const many = await c.post("/request/items", { urls: tooMany, pdq: "", sha256: "", md5: "", references: "" });
    expect(many.status).toBe(400);
    expect(mainText(await many.text())).toContain("at most 200 items");
    const none = await c.post("/request/items", { urls: "", pdq: "", sha256: "", md5: "", references: "" });
    expect(none.status).toBe(400);
    const badEmail = await c.post("/request/contact", { contactMethod: "email", email: "nobody" });
    expect(badEmail.status).toBe(400);
  });

  it("ignores fields a step does not ask for", async () => {
    const c = client();
    await fillRequest(c, {
      ...VALID_REQUEST,
      who: { relation: "self", status: "completed", handling_organisation_id: "evil", identity_verified_at: "2020-01-01" },
    } as any);
    const { reference } = await fileRequest(c);
    const row = await database.db.selectFrom("case").selectAll().where("reference", "=", reference.replaceAll(" ", "")).executeTakeFirstOrThrow();
    expect(row.status).toBe("received");
    expect(row.identity_verified_at).toBeNull();
  });

  it("opens a later question only once the earlier ones are answered", async () => {
    const c = client();
    await c.post("/request/who", { relation: "parent" });
    const skip = await c.get("/request/review");
    expect(skip.status).toBe(302);
    expect(skip.headers.get("location")).toBe("/request/where");
  });

  it("refuses a file upload and a body that is not a form, without a server error", async () => {
    const form = new FormData();
    form.append("urls", "https://example.com/x");
    form.append("file", new Blob([new Uint8Array([1, 2, 3])]), "image.jpg");
    const upload = await fetch(`${server.url}/request/items`, { method: "POST", body: form });
    expect(upload.status).toBe(400);
    const json = await fetch(`${server.url}/request/items`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    expect(json.status).toBe(400);
  });

  it("keeps no partial rows when a request fails half-way", async () => {
    const { createCase } = await import("~/cases/cases.server");
    const before = await Promise.all((["case", "subject", "item", "case_event"] as const).map(count));
    const request = {
      ...(VALID_REQUEST as any),
      // An item the database refuses (value may not be null) fails the transaction after the case row.
      parsedItems: [{ kind: "url", value: null, pdqQuality: null }],
    };
    await expect(createCase(server.services, request, { submissionToken: randomUUID(), language: "en" })).rejects.toThrow();
    const after = await Promise.all((["case", "subject", "item", "case_event"] as const).map(count));
    expect(after).toEqual(before);
  });

  it("offers the receipt as a text file with a neutral name", async () => {
    const response = await client().post("/request/receipt", { reference: "123412341234", secret: "1234123412341234" });
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="receipt.txt"');
    expect(await response.text()).toContain("1234 1234 1234 1234");
    expect((await client().post("/request/receipt", { reference: "x", secret: "y" })).status).toBe(400);
  });
});
