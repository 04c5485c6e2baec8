import { recordAudit } from "~/audit/audit.server";
import type { Services } from "~/context";
import { authorizeCase } from "./cases.server";
import type { StaffIdentity } from "./permissions";

/** The cases a support worker's organisation filed for victims, newest first. */
export async function filedCases(services: Services, user: StaffIdentity) {
  const rows = await services.db
    .selectFrom("case")
    .innerJoin("organisation", "organisation.id", "case.handling_organisation_id")
    .select(["case.id", "case.reference", "case.status", "case.received_at", "case.due_at", "case.extended_due_at", "organisation.name as handler"])
    .where("case.filed_by_organisation_id", "=", user.organisationId)
    .orderBy("case.received_at", "desc")
    .limit(500)
    .execute();
  return rows.map((r) => ({ id: r.id, reference: r.reference, status: r.status, receivedAt: r.received_at, dueAt: r.extended_due_at ?? r.due_at, handler: r.handler }));
}

/** A support worker acts for the victim: what they may do is checked, and audited, like any staff access. */
export async function authorizeFiledCase(services: Services, user: StaffIdentity, caseId: string, permission: "read:filed-case" | "update:filed-case") {
  await authorizeCase(services, user, permission, caseId);
  await recordAudit(services, {
    actorKind: "staff",
    actorId: user.id,
    organisationId: user.organisationId,
    action: permission === "read:filed-case" ? "case.view" : "case.change",
    caseId,
  });
}
