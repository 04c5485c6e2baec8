import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_SCOPES, EU_CENTRE_ID } from "~/db/schema";
import { matchPendingSightings } from "~/matching/match.server";
import { createStaffSession } from "~/sessions/session.server";
import { ingestSightings } from "~/sightings/ingest.server";
import { saveProvider } from "~/sightings/providers.server";
import { DRAFT, fileCase } from "../support/cases";
import { Client, mainText } from "../support/client";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../support/databases";
import { startTestServer, type TestServer } from "../support/http";
import { addOrganisation, addStaff, randomHex } from "../support/sightings";

/**
 * The caseworker's case page with candidates and notices, the supervisor's
 * dashboard and the administrators' directory, over HTTP: addresses are inert
 * text (never a link, an image, a frame or anything the browser would fetch),
 * decisions and notices work without JavaScript, and the charts are SVG drawn
 * on the server.
 */
const URL_A = "https://inert-host.example/p/1.jpg";
const URL_B = "https://inert-host.example/p/2.jpg";

describe.each(databaseKinds)("removal pages [%s]", (kind) => {
  let database: TestDatabase;
  let server: TestServer;
  let caseId: string;
  const clients = {} as Record<"caseworker" | "supervisor" | "administrator", Client>;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    server = await startTestServer(database);
    const services = server.services;
    const caseworker = await addStaff(services, EU_CENTRE_ID, "caseworker");
    for (const [name, user] of [
      ["caseworker", caseworker],
      ["supervisor", await addStaff(services, EU_CENTRE_ID, "supervisor")],
      ["administrator", await addStaff(services, EU_CENTRE_ID, "administrator")],
    ] as const) {
      const client = new Client(server.url);
      const cookie = (await createStaffSession(services, user.id, { twoFactorVerified: true })).split(";")[0].split("=");
      client.cookies.set(cookie[0], cookie.slice(1).join("="));
      clients[name] = client;
    }
    const provider = await saveProvider(services, { name: "Inert Host", country: "BE", removalContact: "abuse@inert-host.example", languages: "fr" }, { kind: "system" });
    if (!provider.ok) throw new Error("provider");
    const md5 = randomHex(16);
    ({ caseId } = await fileCase(services, { ...DRAFT, items: { urls: URL_A, pdq: "", sha256: "", md5, references: "" } }));
    await services.db.updateTable("case").set({ assigned_to: caseworker.id }).where("id", "=", caseId).execute();
    const source = await addOrganisation(services, "Page Hotline");
    const yesterday = new Date(Date.now() - 86_400_000).toISOString();
    const result = await ingestSightings(services, { organisationId: source, scopes: API_SCOPES, via: "api" }, [
      { source_ref: "p-1", url: URL_A, provider_id: provider.id, reported_at: yesterday },
      { source_ref: "p-2", url: URL_B, md5, provider_id: provider.id, reported_at: yesterday },
    ]);
    await matchPendingSightings(services, { ids: result.createdIds });
  });
  afterAll(async () => {
    await server?.close();
    await database?.destroy();
  });

  it("shows candidates with their distance and the address as inert text, and confirms them without JavaScript", async () => {
    const page = await clients.caseworker.get(`/staff/cases/${caseId}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html.match(/data-testid="candidate"/g)).toHaveLength(2);
    for (const url of [URL_A, URL_B]) {
      expect(html).toContain(url);
      // Never a link, a source or anything the browser would load.
      expect(html).not.toMatch(new RegExp(`(href|src|srcset|action|data|poster)="${url.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}`));
    }
    expect(html).not.toMatch(/<(img|iframe|object|embed|video|audio|link)[^>]+inert-host/);
    expect(mainText(html)).toContain("Exact match");

    const ids = [...html.matchAll(/name="matchId" value="([^"]+)"/g)].map((m) => m[1]);
    for (const id of ids) expect((await clients.caseworker.post(`/staff/cases/${caseId}`, { intent: "confirm", matchId: id })).status).toBe(302);
    const again = await clients.caseworker.post(`/staff/cases/${caseId}`, { intent: "confirm", matchId: ids[0] });
    expect(again.status).toBe(400);
    expect(mainText(await again.text())).toContain("This match was already decided.");
  });

  it("sends one notice for both addresses and shows it on the case page", async () => {
    const html = await (await clients.caseworker.get(`/staff/cases/${caseId}`)).text();
    expect(mainText(html)).toContain("Send a notice for 2 addresses");
    const providerId = html.match(/name="providerId" value="([^"]+)"/)![1];
    const sent = await clients.caseworker.post(`/staff/cases/${caseId}`, { intent: "notice", providerId });
    expect(sent.status).toBe(302);
    const after = mainText(await (await clients.caseworker.get(`/staff/cases/${caseId}`)).text());
    expect(after).toMatch(/Notice N-[0-9A-F]{12} to Inert Host/);
    expect(after).toContain("Still online");
    const mails = await database.db.selectFrom("outbox").select("template").where("template", "=", "notice").execute();
    expect(mails).toHaveLength(1);
  });

  it("draws the supervisor's dashboard as server-side SVG, and audits the view", async () => {
    expect((await clients.caseworker.get("/staff/dashboard")).status).toBe(403);
    const response = await clients.supervisor.get("/staff/dashboard");
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toMatch(/<svg[^>]+data-testid="chart-open-notices"[^>]*role="img"|<svg[^>]+role="img"[^>]*data-testid="chart-open-notices"/);
    expect(html).toContain("<title");
    expect(mainText(html)).toContain("1 open notice");
    const audit = await database.db.selectFrom("audit_log").select("action").where("action", "=", "dashboard.view").execute();
    expect(audit.length).toBeGreaterThan(0);
  });

  it("lets administrators edit the providers directory and create a key shown once", async () => {
    const list = await clients.administrator.get("/staff/admin/providers");
    expect(mainText(await list.text())).toContain("Inert Host");
    const bad = await clients.administrator.post("/staff/admin/providers", { name: "", country: "ZZ" });
    expect(bad.status).toBe(400);
    expect(mainText(await bad.text())).toContain("Enter the provider's name.");
    const added = await clients.administrator.post("/staff/admin/providers", { name: "New Host", country: "PL", removalContact: "abuse@new.example", languages: "pl, en" });
    expect(added.status).toBe(200);
    expect(await database.db.selectFrom("provider").select("languages").where("name", "=", "New Host").executeTakeFirstOrThrow()).toEqual({ languages: '["pl","en"]' });

    const created = await clients.administrator.post("/staff/admin/api-keys", { intent: "create", organisationId: EU_CENTRE_ID, label: "portal test", scopes: "removals:write" });
    expect(created.status).toBe(200);
    const key = (await created.text()).match(/data-testid="api-key"[^>]*>(rk_[^<]+)</)![1];
    const row = await database.db.selectFrom("api_key").selectAll().where("label", "=", "portal test").executeTakeFirstOrThrow();
    expect(row.scopes).toBe('["removals:write"]');
    const listed = await (await clients.administrator.get("/staff/admin/api-keys")).text();
    expect(listed).not.toContain(key);
    expect(listed).toContain(row.prefix);
  });
});
