import { afterAll, beforeAll, expect, it } from "vitest";
import { getCaseStatus } from "~/cases/status.server";
import type { Services } from "~/context";
import { API_SCOPES, EU_CENTRE_ID } from "~/db/schema";
import { processOutbox } from "~/mail/outbox.server";
import { createMailTransport, type MailTransport } from "~/mail/transport.server";
import { decideMatch, matchPendingSightings } from "~/matching/match.server";
import { removalDashboard } from "~/notices/dashboard.server";
import { processNotices, recordReferral, recordRemoval, RemovalError, sendNotice } from "~/notices/notices.server";
import { shortReference } from "~/notices/render.server";
import { ingestSightings, type IngestSource } from "~/sightings/ingest.server";
import { saveProvider } from "~/sightings/providers.server";
import { verifyIdentity } from "~/staff/cases.server";
import type { StaffIdentity } from "~/staff/permissions";
import { DRAFT, fileCase, SURVIVOR_EMAIL } from "../support/cases";
import { describeEachDatabase } from "../support/databases";
import { testServices } from "../support/services";
import { addOrganisation, addStaff, randomHex, startSmtp, type TestSmtp } from "../support/sightings";

/**
 * Removal notices, end to end below HTTP, against a real SMTP server: one
 * notice per provider bundling its addresses, in the provider's language,
 * with what DSA Art. 16 asks for and nothing about the victim; re-sent every
 * 24 hours until removal; flagged for referral after the deadline; time to
 * removal recorded per instance and shown at the requester's level of detail.
 */
const HOUR = 3_600_000;
const URL_A = "https://cdn.hosting-nl.example/x/1.jpg";
const URL_B = "https://cdn.hosting-nl.example/x/2.jpg";
const URL_HELD = "https://cdn.hosting-nl.example/held.jpg";
const URL_NO_CONTACT = "https://nocontact.example/3.jpg";

describeEachDatabase("removal notices", (get) => {
  let services: Services;
  let clock: ReturnType<typeof testServices>["clock"];
  let smtp: TestSmtp;
  let transport: MailTransport;
  let caseworker: StaffIdentity;
  let supervisor: StaffIdentity;
  let source: IngestSource;
  let caseId: string;
  let reference: string;
  let providerId: string;
  let quietProviderId: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    smtp = await startSmtp();
    ({ services, clock } = testServices(get(), { SMTP_URL: smtp.url, PUBLIC_URL: "https://portal.example.org", MAIL_FROM: "Reclaim <notices@portal.example.org>" }));
    transport = createMailTransport(services.env);
    caseworker = await addStaff(services, EU_CENTRE_ID, "caseworker");
    supervisor = await addStaff(services, EU_CENTRE_ID, "supervisor");
    source = { organisationId: await addOrganisation(services, "Meldpunt"), scopes: API_SCOPES, via: "api" };
    const provider = await saveProvider(services, { name: "Hosting NL", country: "NL", removalContact: "abuse@hosting-nl.example", languages: "nl, en" }, { kind: "system" });
    const quiet = await saveProvider(services, { name: "No Contact Ltd", country: "GB", languages: "" }, { kind: "system" });
    if (!provider.ok || !quiet.ok) throw new Error("providers");
    providerId = provider.id;
    quietProviderId = quiet.id;

    const receipt = await fileCase(services, { ...DRAFT, items: { urls: [URL_A, URL_B, URL_HELD, URL_NO_CONTACT].join("\n"), pdq: "", sha256: "", md5: "", references: "" } });
    caseId = receipt.caseId;
    reference = receipt.reference;
    await services.db.updateTable("case").set({ assigned_to: caseworker.id }).where("id", "=", caseId).execute();
    await verifyIdentity(services, caseworker, caseId, "in_person");
    const result = await ingestSightings(services, source, [
      { source_ref: "a", url: URL_A, provider_id: providerId, reported_at: "2026-12-20T10:00:00Z", forwarded_to: ["Politie"], forwarded_at: "2026-12-21T10:00:00Z" },
      { source_ref: "b", url: URL_B, provider_id: providerId, reported_at: "2026-12-22T10:00:00Z" },
      { source_ref: "held", url: URL_HELD, provider_id: providerId, reported_at: "2026-12-22T10:00:00Z", withheld_until: "2027-06-01T00:00:00Z" },
      { source_ref: "quiet", url: URL_NO_CONTACT, provider_id: quietProviderId, reported_at: "2026-12-23T10:00:00Z" },
    ]);
    expect(result.created).toBe(4);
    [ids.a, ids.b, ids.held, ids.quiet] = result.createdIds;
    await matchPendingSightings(services, { ids: result.createdIds });
    const matches = await services.db.selectFrom("match").select("id").where("case_id", "=", caseId).execute();
    expect(matches).toHaveLength(4);
    for (const m of matches) await decideMatch(services, caseworker, caseId, m.id, "confirm");
    await processOutbox(services, transport);
    smtp.received.length = 0;
  });
  afterAll(async () => {
    transport?.close();
    await smtp?.close();
  });

  const events = async () =>
    (await services.db.selectFrom("case_event").select(["template", "params", "visible_to_requester"]).where("case_id", "=", caseId).orderBy("at").orderBy("id").execute()).map((e) => ({
      template: e.template,
      params: JSON.parse(e.params) as Record<string, string | number>,
      visible: e.visible_to_requester === 1,
    }));
  const noticeMails = () => smtp.received.filter((m) => m.to.includes("abuse@hosting-nl.example"));

  it("refuses what cannot be sent: a provider without a contact, a caseworker of another case", async () => {
    await expect(sendNotice(services, caseworker, caseId, quietProviderId, { senderNamed: false })).rejects.toEqual(new RemovalError("errors.noContact"));
    const stranger = await addStaff(services, EU_CENTRE_ID, "caseworker");
    await expect(sendNotice(services, stranger, caseId, providerId, { senderNamed: false })).rejects.toThrow();
  });

  it("sends one notice per provider, bundling its addresses, in its language, with the DSA Art. 16 content and nothing about the victim", async () => {
    const { noticeId } = await sendNotice(services, caseworker, caseId, providerId, { senderNamed: false });
    ids.notice = noticeId;
    await processOutbox(services, transport);
    const [mail] = noticeMails();
    expect(noticeMails()).toHaveLength(1);
    expect(mail.subject).toContain(shortReference(noticeId));
    expect(mail.subject).toMatch(/verwijdering/);
    expect(mail.text).toContain(URL_A);
    expect(mail.text).toContain(URL_B);
    // Held back by law enforcement: not in the notice.
    expect(mail.text).not.toContain(URL_HELD);
    expect(mail.text).toContain("artikel 16");
    expect(mail.text).toContain("te goeder trouw");
    expect(mail.text).toContain("notices@portal.example.org");
    expect(mail.text).toMatch(/afzender wordt niet genoemd/);
    for (const secret of [reference, SURVIVOR_EMAIL, caseId]) expect(mail.raw).not.toContain(secret);
    // The outbox keeps the notice's text encrypted.
    const stored = await services.db.selectFrom("outbox").select(["body_enc", "template"]).where("template", "=", "notice").execute();
    expect(stored.every((r) => r.body_enc && !r.body_enc.includes("hosting-nl"))).toBe(true);
    // Nothing left to notify for this provider until something changes.
    await expect(sendNotice(services, caseworker, caseId, providerId, { senderNamed: true })).rejects.toEqual(new RemovalError("errors.nothingToNotify"));
    const sent = (await events()).find((e) => e.template === "noticeSent")!;
    expect(sent).toEqual({ template: "noticeSent", params: { provider: "Hosting NL", count: 2 }, visible: true });
  });

  it("re-sends every 24 hours, not before", async () => {
    clock.advanceMs(23 * HOUR);
    expect((await processNotices(services)).resent).toBe(0);
    clock.advanceMs(1 * HOUR + 60_000);
    expect((await processNotices(services)).resent).toBe(1);
    expect((await processNotices(services)).resent).toBe(0);
    await processOutbox(services, transport);
    expect(noticeMails()).toHaveLength(2);
    const reminder = noticeMails()[1];
    expect(reminder.subject).toMatch(/^Herinnering 1/);
    expect(reminder.text).toContain(URL_A);
    const notice = await services.db.selectFrom("notice").selectAll().where("id", "=", ids.notice).executeTakeFirstOrThrow();
    expect(notice.send_count).toBe(2);
  });

  it("flags the case for referral after the deadline; the caseworker records the referral", async () => {
    clock.advanceMs(48 * HOUR);
    const run = await processNotices(services);
    expect(run.flagged).toBe(1);
    expect(run.resent).toBe(1);
    const due = (await events()).find((e) => e.template === "referralDue")!;
    expect(due.visible).toBe(false);
    const dashboard = await removalDashboard(services, supervisor);
    expect(dashboard.overdueReferrals.map((r) => r.id)).toEqual([ids.notice]);
    await recordReferral(services, caseworker, caseId, ids.notice, "Politie NL, ref 2027-001");
    const referral = (await events()).find((e) => e.template === "referralRecorded")!;
    expect(referral).toEqual({ template: "referralRecorded", params: { country: "NL" }, visible: true });
    expect((await removalDashboard(services, supervisor)).overdueReferrals).toEqual([]);
  });

  it("records time to removal per instance, stops re-sending once all are removed, and shows it at the chosen level", async () => {
    const firstSent = Date.parse((await services.db.selectFrom("notice").select("sent_at").where("id", "=", ids.notice).executeTakeFirstOrThrow()).sent_at);
    // Removal reported by the source through the same call as sightings.
    const removedA = new Date(firstSent + 30 * HOUR).toISOString();
    const update = await ingestSightings(services, source, [{ source_ref: "a", removal_state: "removed", removed_at: removedA }]);
    expect(update.updated).toBe(1);
    let notice = await services.db.selectFrom("notice").selectAll().where("id", "=", ids.notice).executeTakeFirstOrThrow();
    expect(notice.state).toBe("open");
    // The other one recorded by the caseworker.
    await recordRemoval(services, caseworker, caseId, ids.b);
    notice = await services.db.selectFrom("notice").selectAll().where("id", "=", ids.notice).executeTakeFirstOrThrow();
    expect([notice.state, notice.next_send_at]).toEqual(["removed", null]);
    const rows = await services.db.selectFrom("notice_sighting").selectAll().where("notice_id", "=", ids.notice).execute();
    const seconds = Object.fromEntries(rows.map((r) => [r.sighting_id, Number(r.removal_seconds)]));
    expect(seconds[ids.a]).toBe(30 * 3600);
    expect(seconds[ids.b]).toBeGreaterThan(72 * 3600);
    expect(rows.find((r) => r.sighting_id === ids.a)!.removal_recorded_by).toBe("api");

    clock.advanceMs(48 * HOUR);
    expect((await processNotices(services)).resent).toBe(0);

    const removed = (await events()).filter((e) => e.template === "instanceRemoved");
    expect(removed.map((e) => e.params)).toEqual([
      { provider: "Hosting NL", count: 30 },
      { provider: "Hosting NL", count: Math.round(seconds[ids.b] / 3600) },
    ]);

    const dashboard = await removalDashboard(services, supervisor);
    const row = dashboard.providers.find((p) => p.name === "Hosting NL")!;
    expect(row.removed).toBe(2);
    expect(row.medianSeconds).toBe(30 * 3600);
    expect(row.p90Seconds).toBe(seconds[ids.b]);
  });

  it("never puts an address in what the requester sees, at any level", async () => {
    for (const disclosure of ["full", "summary", "outcome"] as const) {
      await services.db.updateTable("case").set({ disclosure }).where("id", "=", caseId).execute();
      const status = await getCaseStatus(services, caseId);
      const json = JSON.stringify(status);
      for (const url of [URL_A, URL_B, URL_HELD, URL_NO_CONTACT, "hosting-nl.example", "nocontact.example"]) expect(json).not.toContain(url);
      const templates = status.timeline.map((e) => e.template);
      if (disclosure === "full") {
        expect(templates).toEqual(expect.arrayContaining(["instanceConfirmed", "instanceHeldBack", "noticeSent", "noticeResent", "referralRecorded", "instanceRemoved"]));
        expect(status.instances.level === "full" && status.instances.instances.filter((i) => !i.withheld && i.removalRequestedAt).length).toBe(2);
      } else if (disclosure === "summary") {
        expect(templates).toEqual(expect.arrayContaining(["instancesFound", "removalRequested", "removalReminded", "referralRequested", "removed"]));
        expect(json).not.toContain("Hosting NL");
      } else {
        expect(templates.some((t) => ["removalRequested", "removed", "noticeSent", "instancesFound"].includes(t))).toBe(false);
      }
      expect(templates).not.toContain("referralDue");
      expect(templates).not.toContain("candidatesFound");
    }
  });
});
