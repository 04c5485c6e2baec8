import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { v7 as timeOrderedId } from "uuid";
import { readCaseAudit, recordAudit } from "~/audit/audit.server";
import { addCaseEvent, addMonths, CLOSED_STATUSES } from "~/cases/cases.server";
import type { Services } from "~/context";
import type { Db } from "~/db/db.server";
import type { CaseStatus, IdentityVerificationMethod, Route } from "~/db/schema";
import { canTransition, STATUS_EVENT, type UpdateTemplate } from "./case-state";
import { can, type PermissionTarget, type StaffIdentity } from "./permissions";

/** A refusal the route turns into a translated message (the key lives in the casework namespace). */
export class CaseworkError extends Error {
  constructor(readonly key: string) {
    super(key);
  }
}

export class Forbidden extends Error {}

/** The ownership facts every permission check on a case needs. */
export async function caseTarget(db: Db, caseId: string): Promise<(PermissionTarget & { status: CaseStatus }) | null> {
  const row = await db
    .selectFrom("case")
    .select(["handling_organisation_id", "filed_by_organisation_id", "assigned_to", "status"])
    .where("id", "=", caseId)
    .executeTakeFirst();
  if (!row) return null;
  return {
    handlingOrganisationId: row.handling_organisation_id,
    filedByOrganisationId: row.filed_by_organisation_id,
    assignedTo: row.assigned_to,
    status: row.status,
  };
}

/** Throws Forbidden unless the user may do this to this case (a missing case is forbidden too: ids reveal nothing). */
export async function authorizeCase(services: Services, user: StaffIdentity, permission: string, caseId: string) {
  const target = await caseTarget(services.db, caseId);
  if (!target || !can(user, permission, target)) throw new Forbidden(permission);
  return target;
}

// ---------------------------------------------------------------- the queue

export const QUEUE_FILTERS = ["status", "route", "country", "language", "mine", "overdue"] as const;
export interface QueueFilter {
  status?: CaseStatus;
  route?: Route;
  country?: string;
  language?: string;
  mine?: boolean;
  overdue?: boolean;
}

export interface QueueRow {
  id: string;
  reference: string;
  status: CaseStatus;
  route: Route;
  country: string;
  language: string;
  receivedAt: string;
  dueAt: string;
  assignedTo: string | null;
  assignedName: string | null;
  overdue: boolean;
}

/** Cases routed to the user's organisation, the soonest due first. */
export async function queue(services: Services, user: StaffIdentity, filter: QueueFilter) {
  const now = services.now().toISOString();
  const due = sql<string>`coalesce(${sql.ref("case.extended_due_at")}, ${sql.ref("case.due_at")})`;
  let query = services.db
    .selectFrom("case")
    .leftJoin("staff_user", "staff_user.id", "case.assigned_to")
    .where("case.handling_organisation_id", "=", user.organisationId);
  if (filter.status) query = query.where("case.status", "=", filter.status);
  else query = query.where("case.status", "not in", CLOSED_STATUSES);
  if (filter.route) query = query.where("case.route", "=", filter.route);
  if (filter.country) query = query.where("case.country", "=", filter.country);
  if (filter.language) query = query.where("case.language", "=", filter.language);
  if (filter.mine) query = query.where("case.assigned_to", "=", user.id);
  if (filter.overdue) query = query.where(due, "<", now);

  const rows = await query
    .select([
      "case.id",
      "case.reference",
      "case.status",
      "case.route",
      "case.country",
      "case.language",
      "case.received_at",
      "case.assigned_to",
      "staff_user.display_name as assigned_name",
    ])
    .select(due.as("due"))
    .orderBy(due)
    .orderBy("case.received_at")
    .limit(200)
    .execute();

  const counts = await services.db
    .selectFrom("case")
    .select(["status", (eb) => eb.fn.countAll<number>().as("n")])
    .where("handling_organisation_id", "=", user.organisationId)
    .groupBy("status")
    .execute();
  const overdue = await services.db
    .selectFrom("case")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("handling_organisation_id", "=", user.organisationId)
    .where("status", "not in", CLOSED_STATUSES)
    .where(due, "<", now)
    .executeTakeFirstOrThrow();

  return {
    rows: rows.map(
      (r): QueueRow => ({
        id: r.id,
        reference: r.reference,
        status: r.status,
        route: r.route,
        country: r.country,
        language: r.language,
        receivedAt: r.received_at,
        dueAt: r.due,
        assignedTo: r.assigned_to,
        assignedName: r.assigned_name,
        overdue: r.due < now,
      }),
    ),
    counts: Object.fromEntries(counts.map((c) => [c.status, Number(c.n)])) as Partial<Record<CaseStatus, number>>,
    overdue: Number(overdue.n),
  };
}

// ---------------------------------------------------------------- the case page

export interface StaffCaseView {
  id: string;
  reference: string;
  status: CaseStatus;
  route: Route;
  country: string;
  language: string;
  relation: string;
  wantsInformation: boolean;
  wantsRemoval: boolean;
  disclosure: string;
  contactMethod: string;
  receivedAt: string;
  dueAt: string;
  originalDueAt: string;
  extendedDueAt: string | null;
  extensionReason: string | null;
  canExtend: boolean;
  rejectionReason: string | null;
  identityVerifiedAt: string | null;
  identityVerificationMethod: string | null;
  identityVerifiedByName: string | null;
  assignedTo: string | null;
  assignedName: string | null;
  filedByOrganisation: string | null;
  mandate: {
    relation: string;
    basis: string;
    evidenceReference: string;
    date: string;
    scope: string;
    receiptHolder: string;
    recordedByName: string | null;
    recordedAt: string;
  } | null;
  /** Items as inert text: a URL is a string here, never a link. */
  items: { id: string; kind: string; value: string; pdqQuality: number | null; addedAt: string; addedBy: string }[];
  notes: { id: string; body: string; authorName: string | null; createdAt: string }[];
  timeline: { id: string; at: string; template: string; params: Record<string, string | number>; visible: boolean; actor: string; note: { text: string; language: string } | null }[];
  messages: { id: string; direction: string; body: string; language: string; sentAt: string }[];
  colleagues: { id: string; name: string }[];
}

/** Everything a caseworker sees of a case; the view itself is audited. */
export async function staffCaseView(services: Services, user: StaffIdentity, caseId: string): Promise<StaffCaseView> {
  await authorizeCase(services, user, "read:case", caseId);
  const { db, vault } = services;
  const c = await db
    .selectFrom("case")
    .leftJoin("staff_user as assignee", "assignee.id", "case.assigned_to")
    .leftJoin("staff_user as verifier", "verifier.id", "case.identity_verified_by")
    .leftJoin("organisation as filer", "filer.id", "case.filed_by_organisation_id")
    .selectAll("case")
    .select(["assignee.display_name as assigned_name", "verifier.display_name as verifier_name", "filer.name as filer_name"])
    .where("case.id", "=", caseId)
    .executeTakeFirstOrThrow();
  const [mandate, items, notes, events, messages, colleagues] = await Promise.all([
    db
      .selectFrom("mandate")
      .leftJoin("staff_user", "staff_user.id", "mandate.recorded_by")
      .selectAll("mandate")
      .select("staff_user.display_name as recorder_name")
      .where("mandate.case_id", "=", caseId)
      .orderBy("mandate.recorded_at", "desc")
      .executeTakeFirst(),
    db.selectFrom("item").selectAll().where("case_id", "=", caseId).orderBy("added_at").orderBy("id").execute(),
    db
      .selectFrom("case_note")
      .leftJoin("staff_user", "staff_user.id", "case_note.author_id")
      .select(["case_note.id", "case_note.body_enc", "case_note.created_at", "staff_user.display_name"])
      .where("case_note.case_id", "=", caseId)
      .orderBy("case_note.created_at")
      .execute(),
    db.selectFrom("case_event").selectAll().where("case_id", "=", caseId).orderBy("at").orderBy("id").execute(),
    db.selectFrom("message").selectAll().where("case_id", "=", caseId).orderBy("sent_at").orderBy("id").execute(),
    db
      .selectFrom("staff_user")
      .select(["id", "display_name"])
      .where("organisation_id", "=", user.organisationId)
      .where("role", "in", ["caseworker", "supervisor"])
      .where("disabled_at", "is", null)
      .orderBy("display_name")
      .execute(),
  ]);
  await recordAudit(services, { actorKind: "staff", actorId: user.id, organisationId: user.organisationId, action: "case.view", caseId });

  const now = services.now();
  return {
    id: c.id,
    reference: c.reference,
    status: c.status,
    route: c.route,
    country: c.country,
    language: c.language,
    relation: c.relation,
    wantsInformation: c.wants_information === 1,
    wantsRemoval: c.wants_removal === 1,
    disclosure: c.disclosure,
    contactMethod: c.contact_method,
    receivedAt: c.received_at,
    dueAt: c.extended_due_at ?? c.due_at,
    originalDueAt: c.due_at,
    extendedDueAt: c.extended_due_at,
    extensionReason: c.extension_reason_enc ? vault.decrypt(c.extension_reason_enc, "case.extension_reason_enc") : null,
    canExtend: !c.extended_due_at && now.toISOString() < c.due_at && !CLOSED_STATUSES.includes(c.status),
    rejectionReason: c.rejection_reason_enc ? vault.decrypt(c.rejection_reason_enc, "case.rejection_reason_enc") : null,
    identityVerifiedAt: c.identity_verified_at,
    identityVerificationMethod: c.identity_verification_method,
    identityVerifiedByName: c.verifier_name,
    assignedTo: c.assigned_to,
    assignedName: c.assigned_name,
    filedByOrganisation: c.filer_name,
    mandate: mandate
      ? {
          relation: mandate.relation,
          basis: vault.decrypt(mandate.basis_enc, "mandate.basis_enc"),
          evidenceReference: vault.decrypt(mandate.evidence_reference_enc, "mandate.evidence_reference_enc"),
          date: mandate.mandate_date,
          scope: mandate.scope,
          receiptHolder: mandate.receipt_holder,
          recordedByName: mandate.recorder_name,
          recordedAt: mandate.recorded_at,
        }
      : null,
    items: items.map((i) => ({ id: i.id, kind: i.kind, value: i.value, pdqQuality: i.pdq_quality, addedAt: i.added_at, addedBy: i.added_by })),
    notes: notes.map((n) => ({ id: n.id, body: vault.decrypt(n.body_enc, "case_note.body_enc"), authorName: n.display_name, createdAt: n.created_at })),
    timeline: events.map((e) => ({
      id: e.id,
      at: e.at,
      template: e.template,
      params: JSON.parse(e.params),
      visible: e.visible_to_requester === 1,
      actor: e.actor,
      note: e.note_enc ? { text: vault.decrypt(e.note_enc, "case_event.note_enc"), language: e.note_language ?? "" } : null,
    })),
    messages: messages.map((m) => ({ id: m.id, direction: m.direction, body: vault.decrypt(m.body_enc, "message.body_enc"), language: m.language, sentAt: m.sent_at })),
    colleagues: colleagues.map((u) => ({ id: u.id, name: u.display_name })),
  };
}

/** The requester's identity and contact, only on an explicit request with a reason, which is audited. */
export async function revealIdentity(services: Services, user: StaffIdentity, caseId: string, reason: string) {
  await authorizeCase(services, user, "reveal:identity", caseId);
  const row = await services.db
    .selectFrom("case")
    .innerJoin("subject", "subject.id", "case.subject_id")
    .select(["case.contact_method", "subject.email_enc", "subject.contact_organisation_enc"])
    .where("case.id", "=", caseId)
    .executeTakeFirstOrThrow();
  await recordAudit(services, { actorKind: "staff", actorId: user.id, organisationId: user.organisationId, action: "case.identity.reveal", caseId, reason });
  return {
    contactMethod: row.contact_method,
    email: row.email_enc ? services.vault.decrypt(row.email_enc, "subject.email_enc") : null,
    organisation: row.contact_organisation_enc ? services.vault.decrypt(row.contact_organisation_enc, "subject.contact_organisation_enc") : null,
  };
}

// ---------------------------------------------------------------- changes

async function change(
  services: Services,
  user: StaffIdentity,
  caseId: string,
  permission: string,
  action: string,
  work: (trx: Db, target: NonNullable<Awaited<ReturnType<typeof caseTarget>>>) => Promise<void>,
  reason?: string,
) {
  const target = await authorizeCase(services, user, permission, caseId);
  await services.db.transaction().execute(async (trx) => {
    await work(trx, target);
    await trx.updateTable("case").set({ updated_at: services.now().toISOString() }).where("id", "=", caseId).execute();
    await recordAudit(services, { actorKind: "staff", actorId: user.id, organisationId: user.organisationId, action, caseId, reason }, trx);
  });
}

export async function assignCase(services: Services, user: StaffIdentity, caseId: string, assigneeId: string) {
  const permission = assigneeId === user.id ? "assign-self:case" : "assign:case";
  await change(services, user, caseId, permission, "case.assign", async (trx) => {
    const assignee = await trx
      .selectFrom("staff_user")
      .select("id")
      .where("id", "=", assigneeId)
      .where("organisation_id", "=", user.organisationId)
      .where("role", "in", ["caseworker", "supervisor"])
      .where("disabled_at", "is", null)
      .executeTakeFirst();
    if (!assignee) throw new CaseworkError("errors.assignee");
    await trx.updateTable("case").set({ assigned_to: assigneeId }).where("id", "=", caseId).execute();
  });
}

export async function transitionCase(services: Services, user: StaffIdentity, caseId: string, to: CaseStatus, reason: { text: string; language: string } | null) {
  await change(services, user, caseId, "update:case", `case.status.${to}`, async (trx, target) => {
    if (!canTransition(target.status, to)) throw new CaseworkError("errors.transition");
    if (to === "rejected" && !reason?.text) throw new CaseworkError("errors.reasonRequired");
    const at = services.now().toISOString();
    await trx
      .updateTable("case")
      .set({
        status: to,
        ...(["completed", "rejected"].includes(to) ? { closed_at: at } : {}),
        ...(to === "rejected" && reason ? { rejection_reason_enc: services.vault.encrypt(reason.text, "case.rejection_reason_enc") } : {}),
      })
      .where("id", "=", caseId)
      .where("status", "=", target.status)
      .execute();
    const template = STATUS_EVENT[to];
    if (template) await addCaseEvent(services, caseId, { template, visibleToRequester: true, actor: "staff", note: reason?.text ? reason : undefined }, trx);
  });
}

export async function verifyIdentity(services: Services, user: StaffIdentity, caseId: string, method: IdentityVerificationMethod) {
  await change(services, user, caseId, "update:case", "case.identity.verify", async (trx, target) => {
    if (CLOSED_STATUSES.includes(target.status)) throw new CaseworkError("errors.closed");
    const at = services.now().toISOString();
    await trx
      .updateTable("case")
      .set({ identity_verified_at: at, identity_verified_by: user.id, identity_verification_method: method })
      .where("id", "=", caseId)
      .execute();
    await addCaseEvent(services, caseId, { template: "identityVerified", visibleToRequester: true, actor: "staff" }, trx);
  });
}

/** A status update from a template, with optional free text; the requester reads the template in their own language. */
export async function postUpdate(
  services: Services,
  user: StaffIdentity,
  caseId: string,
  update: { template: UpdateTemplate; count?: number; note?: { text: string; language: string } },
) {
  await change(services, user, caseId, "update:case", `case.update.${update.template}`, async (trx, target) => {
    if (CLOSED_STATUSES.includes(target.status)) throw new CaseworkError("errors.closed");
    if (update.template === "news" && !update.note?.text) throw new CaseworkError("errors.noteRequired");
    await addCaseEvent(
      services,
      caseId,
      {
        template: update.template,
        params: update.template === "instancesFound" ? { count: update.count ?? 0 } : {},
        visibleToRequester: true,
        actor: "staff",
        note: update.note?.text ? update.note : undefined,
      },
      trx,
    );
  });
}

/** GDPR Art. 12(3): once, within the first month, by at most two months, with reasons the requester sees. */
export async function extendDueDate(services: Services, user: StaffIdentity, caseId: string, months: number, reason: { text: string; language: string }) {
  await change(services, user, caseId, "update:case", "case.extend", async (trx, target) => {
    const row = await trx.selectFrom("case").select(["due_at", "extended_due_at"]).where("id", "=", caseId).executeTakeFirstOrThrow();
    if (CLOSED_STATUSES.includes(target.status)) throw new CaseworkError("errors.closed");
    if (row.extended_due_at) throw new CaseworkError("errors.alreadyExtended");
    if (services.now().toISOString() >= row.due_at) throw new CaseworkError("errors.extensionTooLate");
    if (![1, 2].includes(months)) throw new CaseworkError("errors.extensionMonths");
    if (!reason.text) throw new CaseworkError("errors.reasonRequired");
    const extended = addMonths(new Date(row.due_at), months).toISOString();
    await trx
      .updateTable("case")
      .set({ extended_due_at: extended, extension_reason_enc: services.vault.encrypt(reason.text, "case.extension_reason_enc") })
      .where("id", "=", caseId)
      .execute();
    await addCaseEvent(services, caseId, { template: "dueDateExtended", params: { date: extended }, visibleToRequester: true, actor: "staff", note: reason }, trx);
  });
}

export async function addNote(services: Services, user: StaffIdentity, caseId: string, body: string) {
  await change(services, user, caseId, "read:case", "case.note", async (trx) => {
    await trx
      .insertInto("case_note")
      .values({ id: randomUUID(), case_id: caseId, author_id: user.id, body_enc: services.vault.encrypt(body, "case_note.body_enc"), created_at: services.now().toISOString() })
      .execute();
  });
}

export async function replyToRequester(services: Services, user: StaffIdentity, caseId: string, body: string, language: string) {
  await change(services, user, caseId, "update:case", "case.message", async (trx, target) => {
    if (CLOSED_STATUSES.includes(target.status)) throw new CaseworkError("errors.closed");
    await trx
      .insertInto("message")
      .values({
        id: timeOrderedId(),
        case_id: caseId,
        direction: "to_requester",
        body_enc: services.vault.encrypt(body, "message.body_enc"),
        language,
        sent_at: services.now().toISOString(),
        read_at: null,
      })
      .execute();
    await addCaseEvent(services, caseId, { template: "messageReceived", visibleToRequester: true, actor: "staff" }, trx);
  });
}

/** A case's audit trail for supervisors, with names; reading it is itself audited. */
export async function caseAuditTrail(services: Services, user: StaffIdentity, caseId: string) {
  await authorizeCase(services, user, "read:audit", caseId);
  const rows = await readCaseAudit(services, caseId);
  const names = new Map(
    (await services.db.selectFrom("staff_user").select(["id", "display_name"]).where("organisation_id", "=", user.organisationId).execute()).map((u) => [u.id, u.display_name]),
  );
  await recordAudit(services, { actorKind: "staff", actorId: user.id, organisationId: user.organisationId, action: "case.audit.read", caseId });
  return rows.map((r) => ({ seq: r.seq, at: r.at, action: r.action, actor: r.actorId ? (names.get(r.actorId) ?? r.actorKind) : r.actorKind, reason: r.reason }));
}
