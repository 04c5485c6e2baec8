import { randomUUID } from "node:crypto";
import { beforeAll, expect, it } from "vitest";
import { createCase } from "~/cases/cases.server";
import { getCaseStatus } from "~/cases/status.server";
import type { Services } from "~/context";
import { EU_CENTRE_ID, type StaffRole } from "~/db/schema";
import { loadEnv } from "~/env.server";
import { createServices } from "~/services.server";
import { canTransition, TRANSITIONS } from "~/staff/case-state";
import {
  assignCase,
  caseAuditTrail,
  CaseworkError,
  extendDueDate,
  Forbidden,
  postUpdate,
  queue,
  revealIdentity,
  staffCaseView,
  transitionCase,
  verifyIdentity,
} from "~/staff/cases.server";
import type { StaffIdentity } from "~/staff/permissions";
import { describeEachDatabase } from "../support/databases";
import { addStaff } from "../support/sightings";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const REQUEST = {
  who: { relation: "self" as const },
  where: { country: "FR" as const },
  what: { wants: "both" as const },
  items: { urls: "https://x.example/1", pdq: "", sha256: "", md5: "", references: "" },
  detail: { disclosure: "full" as const },
  contact: { contactMethod: "email" as const, email: "person@example.org", organisation: "" },
  parsedItems: [{ kind: "url" as const, value: "https://x.example/1", pdqQuality: null }],
};

describeEachDatabase("case handling", (get) => {
  let services: Services;
  let clock = new Date("2026-11-22T10:00:00.000Z");
  const staff = {} as Record<"caseworker" | "other" | "supervisor", StaffIdentity>;

  beforeAll(async () => {
    const t = get();
    const env = loadEnv({ RECLAIM_DATA_DIR: mkdtempSync(path.join(tmpdir(), "reclaim-cw-")), DATABASE_URL: t.url }, () => {});
    services = createServices(env, { db: t.db, dbKind: t.kind, now: () => clock });
    for (const [name, role] of [["caseworker", "caseworker"], ["other", "caseworker"], ["supervisor", "supervisor"]] as [keyof typeof staff, StaffRole][]) {
      staff[name] = await addStaff(services, EU_CENTRE_ID, role, name);
    }
  });

  async function newCase() {
    const { receipt } = await createCase(services, REQUEST, { submissionToken: randomUUID(), language: "ar" });
    return receipt.caseId;
  }

  it("enforces the state machine", async () => {
    const caseId = await newCase();
    await assignCase(services, staff.caseworker, caseId, staff.caseworker.id);
    await expect(transitionCase(services, staff.caseworker, caseId, "completed", null)).rejects.toThrow(CaseworkError);
    await transitionCase(services, staff.caseworker, caseId, "identity_check", null);
    await transitionCase(services, staff.caseworker, caseId, "in_progress", null);
    await expect(transitionCase(services, staff.caseworker, caseId, "rejected", null)).rejects.toThrow("errors.reasonRequired");
    await transitionCase(services, staff.caseworker, caseId, "completed", null);
    await expect(transitionCase(services, staff.caseworker, caseId, "in_progress", null)).rejects.toThrow(CaseworkError);
    const status = await getCaseStatus(services, caseId);
    expect(status.status).toBe("completed");
    expect(status.timeline.map((e) => e.template)).toEqual(["received", "identityCheck", "inProgress", "completed"]);
    // Closed states lead nowhere.
    for (const terminal of ["completed", "rejected", "withdrawn"] as const) expect(TRANSITIONS[terminal]).toEqual([]);
    expect(canTransition("received", "answered")).toBe(false);
  });

  it("lets only the assigned caseworker or a supervisor change a case", async () => {
    const caseId = await newCase();
    await expect(postUpdate(services, staff.caseworker, caseId, { template: "searchStarted" })).rejects.toThrow(Forbidden);
    await assignCase(services, staff.other, caseId, staff.other.id);
    await expect(postUpdate(services, staff.caseworker, caseId, { template: "searchStarted" })).rejects.toThrow(Forbidden);
    await expect(assignCase(services, staff.caseworker, caseId, staff.other.id)).rejects.toThrow(Forbidden);
    await postUpdate(services, staff.other, caseId, { template: "searchStarted" });
    await postUpdate(services, staff.supervisor, caseId, { template: "instancesFound", count: 3 });
    await assignCase(services, staff.supervisor, caseId, staff.caseworker.id);
    expect((await staffCaseView(services, staff.caseworker, caseId)).assignedTo).toBe(staff.caseworker.id);
  });

  it("extends the due date once, within the first month, by at most two months, with a reason the requester sees", async () => {
    const caseId = await newCase();
    await assignCase(services, staff.caseworker, caseId, staff.caseworker.id);
    const reason = { text: "We are waiting for answers from three providers.", language: "en" };
    await expect(extendDueDate(services, staff.caseworker, caseId, 3, reason)).rejects.toThrow("errors.extensionMonths");
    await expect(extendDueDate(services, staff.caseworker, caseId, 2, { text: "", language: "en" })).rejects.toThrow("errors.reasonRequired");
    await extendDueDate(services, staff.caseworker, caseId, 2, reason);
    await expect(extendDueDate(services, staff.caseworker, caseId, 1, reason)).rejects.toThrow("errors.alreadyExtended");
    const status = await getCaseStatus(services, caseId);
    expect(status.dueAt).toBe("2027-02-22T10:00:00.000Z");
    expect(status.extended).toBe(true);
    const event = status.timeline.find((e) => e.template === "dueDateExtended")!;
    expect(event.note?.text).toBe(reason.text);

    const late = await newCase();
    await assignCase(services, staff.caseworker, late, staff.caseworker.id);
    const saved = clock;
    clock = new Date("2026-12-23T10:00:00.000Z");
    try {
      await expect(extendDueDate(services, staff.caseworker, late, 1, reason)).rejects.toThrow("errors.extensionTooLate");
    } finally {
      clock = saved;
    }
  });

  it("releases instances only after identity is verified", async () => {
    const caseId = await newCase();
    await assignCase(services, staff.caseworker, caseId, staff.caseworker.id);
    expect((await getCaseStatus(services, caseId)).instances.level).toBe("unverified");
    await verifyIdentity(services, staff.caseworker, caseId, "video_call");
    expect((await getCaseStatus(services, caseId)).instances.level).toBe("full");
    const view = await staffCaseView(services, staff.caseworker, caseId);
    expect(view.identityVerificationMethod).toBe("video_call");
    expect(view.identityVerifiedByName).toBe("caseworker");
  });

  it("reveals identity only with a reason, and audits every view and change", async () => {
    const caseId = await newCase();
    await expect(revealIdentity(services, staff.caseworker, caseId, "x")).rejects.toThrow(Forbidden);
    await assignCase(services, staff.caseworker, caseId, staff.caseworker.id);
    const identity = await revealIdentity(services, staff.caseworker, caseId, "Confirm the e-mail before the video call");
    expect(identity.email).toBe("person@example.org");
    await staffCaseView(services, staff.caseworker, caseId);
    const trail = await caseAuditTrail(services, staff.supervisor, caseId);
    expect(trail.map((r) => r.action)).toEqual(["case.assign", "case.identity.reveal", "case.view"]);
    expect(trail[1].reason).toBe("Confirm the e-mail before the video call");
    await expect(caseAuditTrail(services, staff.caseworker, caseId)).rejects.toThrow(Forbidden);
  });

  it("queues the organisation's open cases by due date, with filters and counts", async () => {
    const a = await newCase();
    clock = new Date("2026-11-20T10:00:00.000Z");
    const b = await newCase();
    clock = new Date("2026-11-22T10:00:00.000Z");
    await assignCase(services, staff.caseworker, b, staff.caseworker.id);
    const all = await queue(services, staff.caseworker, {});
    const order = all.rows.map((r) => r.id);
    expect(order.indexOf(b)).toBeLessThan(order.indexOf(a));
    const mine = await queue(services, staff.caseworker, { mine: true });
    expect(mine.rows.map((r) => r.id)).toContain(b);
    expect(mine.rows.map((r) => r.id)).not.toContain(a);
    expect(all.counts.received).toBeGreaterThan(0);
    clock = new Date("2027-06-01T00:00:00.000Z");
    const overdue = await queue(services, staff.caseworker, { overdue: true });
    expect(overdue.rows.map((r) => r.id)).toContain(a);
    clock = new Date("2026-11-22T10:00:00.000Z");
  });

  it("notifies the requester by neutral e-mail when a caseworker posts an update", async () => {
    const caseId = await newCase();
    await assignCase(services, staff.caseworker, caseId, staff.caseworker.id);
    const before = (await services.db.selectFrom("outbox").select("id").execute()).length;
    await postUpdate(services, staff.caseworker, caseId, { template: "news", note: { text: "Wij hebben nieuws.", language: "nl" } });
    const rows = await services.db.selectFrom("outbox").select(["template", "language"]).execute();
    expect(rows.length).toBe(before + 1);
    expect(rows.at(-1)).toEqual({ template: "update", language: "ar" });
    await expect(postUpdate(services, staff.caseworker, caseId, { template: "news" })).rejects.toThrow("errors.noteRequired");
  });
});
