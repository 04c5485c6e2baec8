import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StaffRole } from "~/db/schema";
import { createCaseSession, createStaffSession } from "~/sessions/session.server";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../support/databases";
import { startTestServer, type TestServer } from "../support/http";
import { addStaff } from "../support/sightings";

/**
 * Every staff route and action × every role × ownership (own organisation,
 * other organisation, assigned, not assigned, filed by own organisation) ×
 * the victim's session and no session at all: allowed or refused, as written
 * below — not as computed from the permission table, so a change there that
 * opens a door makes this test fail.
 */
const ACTORS = ["anonymous", "victim", "support_filer", "support_other", "caseworker_assigned", "caseworker", "supervisor", "administrator", "caseworker_other_org", "supervisor_other_org"] as const;
type Actor = (typeof ACTORS)[number];

interface Check {
  name: string;
  method: "GET" | "POST";
  path: (ids: Ids) => string;
  form?: (ids: Ids) => Record<string, string>;
  allowed: Actor[];
}
interface Ids {
  caseId: string;
  /** A caseworker of the handling organisation who is none of the actors. */
  colleagueId: string;
}

const HANDLERS: Actor[] = ["caseworker_assigned", "caseworker", "supervisor"];
const CHANGERS: Actor[] = ["caseworker_assigned", "supervisor"];

const CHECKS: Check[] = [
  { name: "the queue", method: "GET", path: () => "/staff/queue", allowed: [...HANDLERS, "caseworker_other_org", "supervisor_other_org"] },
  { name: "a case page", method: "GET", path: (i) => `/staff/cases/${i.caseId}`, allowed: HANDLERS },
  { name: "an internal note", method: "POST", path: (i) => `/staff/cases/${i.caseId}`, form: () => ({ intent: "note", noteBody: "n" }), allowed: HANDLERS },
  { name: "self-assignment", method: "POST", path: (i) => `/staff/cases/${i.caseId}`, form: () => ({ intent: "assign", assignee: "me" }), allowed: HANDLERS },
  { name: "assigning a colleague", method: "POST", path: (i) => `/staff/cases/${i.caseId}`, form: (i) => ({ intent: "assign", assignee: i.colleagueId }), allowed: ["supervisor"] },
  { name: "verifying identity", method: "POST", path: (i) => `/staff/cases/${i.caseId}`, form: () => ({ intent: "verify", method: "in_person" }), allowed: CHANGERS },
  { name: "a status update", method: "POST", path: (i) => `/staff/cases/${i.caseId}`, form: () => ({ intent: "update", template: "searchStarted" }), allowed: CHANGERS },
  { name: "a change of state", method: "POST", path: (i) => `/staff/cases/${i.caseId}`, form: () => ({ intent: "transition", to: "in_progress" }), allowed: CHANGERS },
  { name: "extending the due date", method: "POST", path: (i) => `/staff/cases/${i.caseId}`, form: () => ({ intent: "extend", months: "1", extensionReason: "r" }), allowed: CHANGERS },
  { name: "a reply to the requester", method: "POST", path: (i) => `/staff/cases/${i.caseId}`, form: () => ({ intent: "reply", replyBody: "b" }), allowed: CHANGERS },
  { name: "revealing identity", method: "POST", path: (i) => `/staff/cases/${i.caseId}`, form: () => ({ intent: "reveal", revealReason: "r" }), allowed: CHANGERS },
  // Matching and removal (issue 7). An unknown match, provider, sighting or notice is a 400 once the permission check has passed.
  { name: "confirming a candidate match", method: "POST", path: (i) => `/staff/cases/${i.caseId}`, form: () => ({ intent: "confirm", matchId: randomUUID() }), allowed: CHANGERS },
  { name: "rejecting a candidate match", method: "POST", path: (i) => `/staff/cases/${i.caseId}`, form: () => ({ intent: "reject", matchId: randomUUID() }), allowed: CHANGERS },
  { name: "sending a removal notice", method: "POST", path: (i) => `/staff/cases/${i.caseId}`, form: () => ({ intent: "notice", providerId: randomUUID() }), allowed: CHANGERS },
  { name: "recording a removal", method: "POST", path: (i) => `/staff/cases/${i.caseId}`, form: () => ({ intent: "removed", sightingId: randomUUID() }), allowed: CHANGERS },
  { name: "recording a referral", method: "POST", path: (i) => `/staff/cases/${i.caseId}`, form: () => ({ intent: "referral", noticeId: randomUUID() }), allowed: CHANGERS },
  { name: "recording a provider's refusal", method: "POST", path: (i) => `/staff/cases/${i.caseId}`, form: () => ({ intent: "refused", noticeId: randomUUID() }), allowed: CHANGERS },
  { name: "the removal dashboard", method: "GET", path: () => "/staff/dashboard", allowed: ["supervisor", "supervisor_other_org"] },
  { name: "the providers directory", method: "GET", path: () => "/staff/admin/providers", allowed: ["administrator"] },
  { name: "editing the providers directory", method: "POST", path: () => "/staff/admin/providers", form: () => ({ name: "", country: "DE" }), allowed: ["administrator"] },
  { name: "the API keys", method: "GET", path: () => "/staff/admin/api-keys", allowed: ["administrator"] },
  { name: "creating an API key", method: "POST", path: () => "/staff/admin/api-keys", form: () => ({ intent: "create", organisationId: randomUUID() }), allowed: ["administrator"] },
  { name: "revoking an API key", method: "POST", path: () => "/staff/admin/api-keys", form: () => ({ intent: "revoke", keyId: randomUUID() }), allowed: ["administrator"] },
  { name: "the filing form", method: "GET", path: () => "/staff/file", allowed: ["support_filer", "support_other"] },
  { name: "filing a request", method: "POST", path: () => "/staff/file", form: () => ({ submissionToken: randomUUID() }), allowed: ["support_filer", "support_other"] },
  { name: "the filed requests", method: "GET", path: () => "/staff/filed", allowed: ["support_filer", "support_other"] },
  { name: "a filed request", method: "GET", path: (i) => `/staff/filed/${i.caseId}`, allowed: ["support_filer"] },
  { name: "a message on a filed request", method: "POST", path: (i) => `/staff/filed/${i.caseId}`, form: () => ({ intent: "message", body: "m" }), allowed: ["support_filer"] },
  { name: "a filed request's data export", method: "GET", path: (i) => `/staff/filed/${i.caseId}/export.json`, allowed: ["support_filer"] },
  { name: "erasing a filed request for the victim", method: "POST", path: (i) => `/staff/filed/${i.caseId}`, form: () => ({ intent: "erase", confirm: "yes" }), allowed: ["support_filer"] },
  { name: "administration", method: "GET", path: () => "/staff/admin", allowed: ["administrator"] },
];

describe.each(databaseKinds)("authorization matrix [%s]", (kind) => {
  let database: TestDatabase;
  let server: TestServer;
  const orgs = { handler: randomUUID(), otherHandler: randomUUID(), support: randomUUID(), otherSupport: randomUUID() };
  const users = {} as Record<Exclude<Actor, "anonymous" | "victim"> | "colleague", string>;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    server = await startTestServer(database);
    const at = new Date().toISOString();
    await database.db
      .insertInto("organisation")
      .values([
        { id: orgs.handler, kind: "coordinating_authority", name: "Authority A", country: "NL", serves_countries: "[]", created_at: at },
        { id: orgs.otherHandler, kind: "coordinating_authority", name: "Authority B", country: "BE", serves_countries: "[]", created_at: at },
        { id: orgs.support, kind: "support_organisation", name: "Support S", country: "NL", serves_countries: "[]", created_at: at },
        { id: orgs.otherSupport, kind: "support_organisation", name: "Support T", country: "NL", serves_countries: "[]", created_at: at },
      ])
      .execute();
    const staff: [Exclude<Actor, "anonymous" | "victim"> | "colleague", string, StaffRole][] = [
      ["colleague", orgs.handler, "caseworker"],
      ["support_filer", orgs.support, "support_worker"],
      ["support_other", orgs.otherSupport, "support_worker"],
      ["caseworker_assigned", orgs.handler, "caseworker"],
      ["caseworker", orgs.handler, "caseworker"],
      ["supervisor", orgs.handler, "supervisor"],
      ["administrator", orgs.handler, "administrator"],
      ["caseworker_other_org", orgs.otherHandler, "caseworker"],
      ["supervisor_other_org", orgs.otherHandler, "supervisor"],
    ];
    for (const [name, organisationId, role] of staff) {
      users[name] = (await addStaff(server.services, organisationId, role, name)).id;
    }
  });
  afterAll(async () => {
    await server?.close();
    await database?.destroy();
  });

  /** A fresh case for every check: handled by A, filed by S, assigned to one caseworker of A. */
  async function freshCase(): Promise<string> {
    const at = new Date().toISOString();
    const caseId = randomUUID();
    const subjectId = randomUUID();
    await database.db.insertInto("subject").values({ id: subjectId, email_enc: null, email_bidx: null, contact_organisation_enc: null, created_at: at, updated_at: at }).execute();
    await database.db
      .insertInto("case")
      .values({
        id: caseId,
        reference: String(Math.floor(Math.random() * 1e12)).padStart(12, "0"),
        secret_hash: "$argon2id$unused",
        submission_hash: null,
        subject_id: subjectId,
        route: "eu",
        country: "NL",
        language: "en",
        relation: "support_organisation",
        wants_information: 1,
        wants_removal: 1,
        disclosure: "full",
        contact_method: "none",
        handling_organisation_id: orgs.handler,
        status: "received",
        identity_verified_at: null,
        received_at: at,
        due_at: new Date(Date.now() + 30 * 86400_000).toISOString(),
        extended_due_at: null,
        closed_at: null,
        updated_at: at,
        filed_by_organisation_id: orgs.support,
        assigned_to: users.caseworker_assigned,
        identity_verification_method: null,
        identity_verified_by: null,
        extension_reason_enc: null,
        rejection_reason_enc: null,
      })
      .execute();
    await database.db.insertInto("item").values({ id: randomUUID(), case_id: caseId, kind: "md5", value: "d41d8cd98f00b204e9800998ecf8427e", pdq_quality: null, added_by: "requester", added_at: at }).execute();
    return caseId;
  }

  async function cookieFor(actor: Actor, caseId: string): Promise<string> {
    if (actor === "anonymous") return "";
    const setCookie =
      actor === "victim"
        ? await createCaseSession(server.services, caseId)
        : await createStaffSession(server.services, users[actor], { twoFactorVerified: true });
    return setCookie.split(";")[0];
  }

  /** Refused: a 403, or sent to sign in. Anything else (a page, a redirect back, a 400 for a rule of the process) got past the check. */
  function refused(response: Response): boolean {
    if (response.status === 403) return true;
    const location = response.headers.get("location") ?? "";
    return response.status >= 300 && response.status < 400 && /\/staff\/(sign-in|two-factor)/.test(location);
  }

  for (const check of CHECKS) {
    it.each(ACTORS)(`${check.name}: %s`, async (actor) => {
      const caseId = await freshCase();
      const ids = { caseId, colleagueId: users.colleague };
      const cookie = await cookieFor(actor, caseId);
      const response = await fetch(server.url + check.path(ids), {
        method: check.method,
        redirect: "manual",
        headers: { cookie, origin: server.url, ...(check.form ? { "content-type": "application/x-www-form-urlencoded" } : {}) },
        body: check.form ? new URLSearchParams(check.form(ids)).toString() : undefined,
      });
      const expected = check.allowed.includes(actor) ? "allowed" : "refused";
      expect(refused(response) ? "refused" : "allowed", `${check.method} ${check.name} as ${actor}: status ${response.status} ${response.headers.get("location") ?? ""}`).toBe(expected);
      expect(response.status, "never a server error").toBeLessThan(500);
    });
  }

  it("a support worker cannot reach another organisation's filed request by changing the id", async () => {
    const theirs = await freshCase();
    await database.db.updateTable("case").set({ filed_by_organisation_id: orgs.otherSupport }).where("id", "=", theirs).execute();
    const cookie = await cookieFor("support_filer", theirs);
    const response = await fetch(`${server.url}/staff/filed/${theirs}`, { redirect: "manual", headers: { cookie } });
    expect(response.status).toBe(403);
    const unknown = await fetch(`${server.url}/staff/filed/${randomUUID()}`, { redirect: "manual", headers: { cookie } });
    expect(unknown.status).toBe(403);
  });
});
