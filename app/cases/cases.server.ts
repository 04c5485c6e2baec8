import { createHash, createHmac, randomInt, randomUUID } from "node:crypto";
import { v7 as timeOrderedId } from "uuid";
import type { Services } from "~/context";
import type { Db } from "~/db/db.server";
import { EU_CENTRE_ID, type CaseStatus, type Flag, type MandateRelation, type MandateScope, type Route } from "~/db/schema";
import { enqueueMail } from "~/mail/outbox.server";
import { matchCaseItemsQuietly } from "~/matching/match.server";
import { isEuMemberState } from "./countries";
import { REFERENCE_LENGTH, SECRET_LENGTH } from "./format";
import type { CompleteRequest, ParsedItem } from "./request";
import { hashSecret } from "./sign-in.server";

/** A double submit within this window shows the same receipt again; after it, never. */
export const RESUBMIT_WINDOW_MS = 2 * 60 * 1000;
/** GDPR Art. 12(3): an answer within one month of receipt. */
export const ANSWER_WITHIN_MONTHS = 1;

export interface CaseReceipt {
  caseId: string;
  reference: string;
  secret: string;
}

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

function randomDigits(length: number): string {
  let digits = "";
  for (let i = 0; i < length; i++) digits += randomInt(10).toString();
  return digits;
}

/**
 * The secret is derived from the form's one-time token, which only the
 * person's browser holds (the server stores its SHA-256): a double click that
 * sends the form twice shows the same secret, yet the server cannot recompute
 * it from anything it stores. About 53 bits of entropy (16 digits).
 */
export function deriveSecret(serverSecret: string, submissionToken: string): string {
  const key = createHmac("sha256", serverSecret).update("reclaim case secret v1").digest();
  const mac = createHmac("sha256", key).update(submissionToken).digest();
  const value = BigInt(`0x${mac.subarray(0, 16).toString("hex")}`) % 10n ** BigInt(SECRET_LENGTH);
  return value.toString().padStart(SECRET_LENGTH, "0");
}

/** Calendar months, as the GDPR counts them; the 31st becomes the last day of a shorter month. */
export function addMonths(date: Date, months: number): Date {
  const result = new Date(date.getTime());
  const day = result.getUTCDate();
  result.setUTCDate(1);
  result.setUTCMonth(result.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(result.getUTCFullYear(), result.getUTCMonth() + 1, 0)).getUTCDate();
  result.setUTCDate(Math.min(day, lastDay));
  return result;
}

/**
 * Living in an EU member state gives the rights of the proposed regulation,
 * handled by that state's coordinating authority where one is configured;
 * anywhere else, the voluntary route through a partner serving that country.
 * The EU Centre handles whatever no one else is configured for.
 */
export async function decideRoute(db: Db, country: string): Promise<{ route: Route; organisationId: string; organisationName: string }> {
  const route: Route = isEuMemberState(country) ? "eu" : "voluntary";
  const organisations = await db
    .selectFrom("organisation")
    .select(["id", "name", "kind", "country", "serves_countries"])
    .where("kind", "in", ["eu_centre", "coordinating_authority", "partner"])
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  const handler =
    route === "eu"
      ? organisations.find((o) => o.kind === "coordinating_authority" && o.country === country)
      : organisations.find((o) => o.kind === "partner" && (JSON.parse(o.serves_countries) as string[]).includes(country));
  const chosen = handler ?? organisations.find((o) => o.id === EU_CENTRE_ID)!;
  return { route, organisationId: chosen.id, organisationName: chosen.name };
}

function itemRows(caseId: string, items: ParsedItem[], addedBy: "requester" | "staff", at: string) {
  return items.map((item) => ({
    id: randomUUID(),
    case_id: caseId,
    kind: item.kind,
    value: item.value,
    pdq_quality: item.pdqQuality,
    added_by: addedBy,
    added_at: at,
  }));
}

export interface NewEvent {
  template: string;
  params?: Record<string, string | number>;
  visibleToRequester: boolean;
  actor: "requester" | "staff" | "system";
  note?: { text: string; language: string };
  /** Send the requester a neutral e-mail notice if they asked for one (default: when someone else acted). */
  notify?: boolean;
}

/**
 * Append an event to a case's timeline (inside the caller's transaction when
 * given one). When someone else acts on the case and the requester asked for
 * e-mail, a neutral notice goes into the outbox in the same transaction.
 */
export async function addCaseEvent(services: Services, caseId: string, event: NewEvent, db: Db = services.db): Promise<void> {
  await db
    .insertInto("case_event")
    .values({
      // Time-ordered: events written in the same millisecond keep their order.
      id: timeOrderedId(),
      case_id: caseId,
      at: services.now().toISOString(),
      template: event.template,
      params: JSON.stringify(event.params ?? {}),
      visible_to_requester: (event.visibleToRequester ? 1 : 0) as Flag,
      actor: event.actor,
      note_enc: event.note ? services.vault.encrypt(event.note.text, "case_event.note_enc") : null,
      note_language: event.note?.language ?? null,
    })
    .execute();
  const notify = event.notify ?? (event.visibleToRequester && event.actor !== "requester");
  if (notify) await notifyRequester(services, caseId, db);
}

async function notifyRequester(services: Services, caseId: string, db: Db): Promise<void> {
  const row = await db
    .selectFrom("case")
    .innerJoin("subject", "subject.id", "case.subject_id")
    .select(["case.contact_method", "case.language", "subject.email_enc"])
    .where("case.id", "=", caseId)
    .executeTakeFirst();
  if (row?.contact_method !== "email" || !row.email_enc) return;
  const to = services.vault.decrypt(row.email_enc, "subject.email_enc");
  await enqueueMail({ ...services, db }, { to, template: "update", language: row.language, caseId });
}

/**
 * File a request: subject, case, items and the first timeline event in one
 * transaction, so a failure leaves nothing behind. A second submission of the
 * same form (a double click) gets the same case back instead of a new one.
 */
/** A request filed by a support worker for a victim, with the mandate it rests on. */
export interface OnBehalf {
  organisationId: string;
  userId: string;
  mandate: {
    relation: MandateRelation;
    basis: string;
    evidenceReference: string;
    date: string;
    scope: MandateScope;
    receiptHolder: "victim" | "organisation";
  };
}

export async function createCase(
  services: Services,
  request: Omit<CompleteRequest, "who"> & { who?: CompleteRequest["who"] },
  { submissionToken, language, onBehalf }: { submissionToken: string; language: string; onBehalf?: OnBehalf },
): Promise<{ receipt: CaseReceipt; duplicate: boolean }> {
  const existing = await receiptForResubmission(services, submissionToken);
  if (existing) return { receipt: existing, duplicate: true };

  const now = services.now();
  const at = now.toISOString();
  const secret = deriveSecret(services.env.SESSION_SECRET, submissionToken);
  const secretHash = await hashSecret(secret);
  const { route, organisationId, organisationName } = await decideRoute(services.db, request.where.country);
  const { contactMethod, email, organisation } = request.contact;
  const caseId = randomUUID();
  const subjectId = randomUUID();

  try {
    const reference = await services.db.transaction().execute(async (trx) => {
      await trx
        .insertInto("subject")
        .values({
          id: subjectId,
          email_enc: contactMethod === "email" ? services.vault.encrypt(email, "subject.email_enc") : null,
          email_bidx: contactMethod === "email" ? services.vault.blindIndex(email.toLowerCase(), "subject.email") : null,
          contact_organisation_enc:
            contactMethod === "organisation" ? services.vault.encrypt(organisation, "subject.contact_organisation_enc") : null,
          created_at: at,
          updated_at: at,
        })
        .execute();
      const reference = await uniqueReference(trx);
      const wants = request.what.wants;
      await trx
        .insertInto("case")
        .values({
          id: caseId,
          reference,
          secret_hash: secretHash,
          submission_hash: sha256(submissionToken),
          subject_id: subjectId,
          route,
          country: request.where.country,
          language,
          relation: onBehalf || !request.who ? "support_organisation" : request.who.relation,
          wants_information: wants === "removal" ? 0 : 1,
          wants_removal: wants === "information" ? 0 : 1,
          disclosure: request.detail.disclosure,
          contact_method: contactMethod,
          handling_organisation_id: organisationId,
          status: "received",
          identity_verified_at: null,
          received_at: at,
          due_at: addMonths(now, ANSWER_WITHIN_MONTHS).toISOString(),
          extended_due_at: null,
          closed_at: null,
          updated_at: at,
          filed_by_organisation_id: onBehalf?.organisationId ?? null,
          assigned_to: null,
          identity_verification_method: null,
          identity_verified_by: null,
          extension_reason_enc: null,
          rejection_reason_enc: null,
        })
        .execute();
      if (onBehalf) {
        const { mandate } = onBehalf;
        await trx
          .insertInto("mandate")
          .values({
            id: randomUUID(),
            case_id: caseId,
            organisation_id: onBehalf.organisationId,
            relation: mandate.relation,
            basis_enc: services.vault.encrypt(mandate.basis, "mandate.basis_enc"),
            evidence_reference_enc: services.vault.encrypt(mandate.evidenceReference, "mandate.evidence_reference_enc"),
            mandate_date: mandate.date,
            scope: mandate.scope,
            receipt_holder: mandate.receiptHolder,
            recorded_by: onBehalf.userId,
            recorded_at: at,
          })
          .execute();
      }
      await trx.insertInto("item").values(itemRows(caseId, request.parsedItems, "requester", at)).execute();
      await addCaseEvent(
        services,
        caseId,
        { template: "received", params: { organisation: organisationName }, visibleToRequester: true, actor: "system", notify: false },
        trx,
      );
      return reference;
    });
    // After the commit: the new items are matched against all sightings (candidates for the caseworker).
    await matchCaseItemsQuietly(services, caseId);
    return { receipt: { caseId, reference, secret }, duplicate: false };
  } catch (error) {
    // Two submissions of the same form raced; the other one created the case.
    const raced = await receiptForResubmission(services, submissionToken);
    if (raced) return { receipt: raced, duplicate: true };
    throw error;
  }
}

async function uniqueReference(db: Db): Promise<string> {
  for (;;) {
    const reference = randomDigits(REFERENCE_LENGTH);
    const taken = await db.selectFrom("case").select("id").where("reference", "=", reference).executeTakeFirst();
    if (!taken) return reference;
  }
}

/**
 * The receipt of the case this form token created, if that was within the
 * resubmit window. Only a request that still carries the draft cookie has the
 * token, and the first response clears it: so only a genuine double submit
 * sees the receipt twice, never a later replay.
 */
export async function receiptForResubmission(services: Services, submissionToken: string): Promise<CaseReceipt | null> {
  const row = await services.db
    .selectFrom("case")
    .select(["id", "reference", "received_at"])
    .where("submission_hash", "=", sha256(submissionToken))
    .executeTakeFirst();
  if (!row) return null;
  if (services.now().getTime() - Date.parse(row.received_at) > RESUBMIT_WINDOW_MS) return null;
  return { caseId: row.id, reference: row.reference, secret: deriveSecret(services.env.SESSION_SECRET, submissionToken) };
}

/** Whether a form token has already produced a case (at any time). */
export async function submissionExists(services: Services, submissionToken: string): Promise<boolean> {
  const row = await services.db
    .selectFrom("case")
    .select("id")
    .where("submission_hash", "=", sha256(submissionToken))
    .executeTakeFirst();
  return Boolean(row);
}

/** Cases in these states take no more changes from the requester. */
export const CLOSED_STATUSES: CaseStatus[] = ["completed", "withdrawn", "rejected"];

export async function addItemsToCase(services: Services, caseId: string, items: ParsedItem[]): Promise<void> {
  const at = services.now().toISOString();
  await services.db.transaction().execute(async (trx) => {
    if (items.length) await trx.insertInto("item").values(itemRows(caseId, items, "requester", at)).execute();
    await addCaseEvent(services, caseId, { template: "itemsAdded", params: { count: items.length }, visibleToRequester: true, actor: "requester" }, trx);
    await trx.updateTable("case").set({ updated_at: at }).where("id", "=", caseId).execute();
  });
  await matchCaseItemsQuietly(services, caseId);
}

export async function countItems(db: Db, caseId: string): Promise<number> {
  const { count } = await db
    .selectFrom("item")
    .select((eb) => eb.fn.countAll<number>().as("count"))
    .where("case_id", "=", caseId)
    .executeTakeFirstOrThrow();
  return Number(count);
}

export async function sendMessageFromRequester(services: Services, caseId: string, body: string, language: string): Promise<void> {
  const at = services.now().toISOString();
  await services.db.transaction().execute(async (trx) => {
    await trx
      .insertInto("message")
      .values({
        id: timeOrderedId(),
        case_id: caseId,
        direction: "from_requester",
        body_enc: services.vault.encrypt(body, "message.body_enc"),
        language,
        sent_at: at,
        read_at: null,
      })
      .execute();
    await addCaseEvent(services, caseId, { template: "messageSent", visibleToRequester: true, actor: "requester" }, trx);
    await trx.updateTable("case").set({ updated_at: at }).where("id", "=", caseId).execute();
  });
}

export interface MessageView {
  id: string;
  direction: "from_requester" | "to_requester";
  body: string;
  language: string;
  sentAt: string;
}

/** The conversation, oldest first; opening it marks the caseworker's replies read. */
export async function readMessages(services: Services, caseId: string): Promise<MessageView[]> {
  const rows = await services.db
    .selectFrom("message")
    .select(["id", "direction", "body_enc", "language", "sent_at"])
    .where("case_id", "=", caseId)
    .orderBy("sent_at")
    .orderBy("id")
    .execute();
  await services.db
    .updateTable("message")
    .set({ read_at: services.now().toISOString() })
    .where("case_id", "=", caseId)
    .where("direction", "=", "to_requester")
    .where("read_at", "is", null)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    direction: r.direction,
    body: services.vault.decrypt(r.body_enc, "message.body_enc"),
    language: r.language,
    sentAt: r.sent_at,
  }));
}

export async function setDisclosure(services: Services, caseId: string, disclosure: "outcome" | "summary" | "full"): Promise<void> {
  const at = services.now().toISOString();
  await services.db.transaction().execute(async (trx) => {
    await trx.updateTable("case").set({ disclosure, updated_at: at }).where("id", "=", caseId).execute();
    await addCaseEvent(services, caseId, { template: "disclosureChanged", params: { level: disclosure }, visibleToRequester: true, actor: "requester" }, trx);
  });
}

export async function setContact(
  services: Services,
  caseId: string,
  contact: { contactMethod: "none" | "email" | "organisation"; email: string; organisation: string },
): Promise<void> {
  const at = services.now().toISOString();
  await services.db.transaction().execute(async (trx) => {
    const { subject_id } = await trx.selectFrom("case").select("subject_id").where("id", "=", caseId).executeTakeFirstOrThrow();
    const email = contact.contactMethod === "email" ? contact.email : null;
    const organisation = contact.contactMethod === "organisation" ? contact.organisation : null;
    await trx
      .updateTable("subject")
      .set({
        email_enc: email ? services.vault.encrypt(email, "subject.email_enc") : null,
        email_bidx: email ? services.vault.blindIndex(email.toLowerCase(), "subject.email") : null,
        contact_organisation_enc: organisation ? services.vault.encrypt(organisation, "subject.contact_organisation_enc") : null,
        updated_at: at,
      })
      .where("id", "=", subject_id)
      .execute();
    await trx.updateTable("case").set({ contact_method: contact.contactMethod, updated_at: at }).where("id", "=", caseId).execute();
    await addCaseEvent(services, caseId, { template: "contactChanged", visibleToRequester: true, actor: "requester" }, trx);
  });
}

export async function readContact(
  services: Services,
  caseId: string,
): Promise<{ contactMethod: "none" | "email" | "organisation"; email: string; organisation: string }> {
  const row = await services.db
    .selectFrom("case")
    .innerJoin("subject", "subject.id", "case.subject_id")
    .select(["case.contact_method", "subject.email_enc", "subject.contact_organisation_enc"])
    .where("case.id", "=", caseId)
    .executeTakeFirstOrThrow();
  return {
    contactMethod: row.contact_method,
    email: row.email_enc ? services.vault.decrypt(row.email_enc, "subject.email_enc") : "",
    organisation: row.contact_organisation_enc ? services.vault.decrypt(row.contact_organisation_enc, "subject.contact_organisation_enc") : "",
  };
}

/** Withdrawal stops all work on the request; what is kept and for how long is the retention rules' business. */
export async function withdrawCase(services: Services, caseId: string): Promise<boolean> {
  const at = services.now().toISOString();
  return services.db.transaction().execute(async (trx) => {
    const { numUpdatedRows } = await trx
      .updateTable("case")
      .set({ status: "withdrawn", closed_at: at, updated_at: at })
      .where("id", "=", caseId)
      .where("status", "not in", CLOSED_STATUSES)
      .executeTakeFirst();
    if (Number(numUpdatedRows) !== 1) return false;
    await addCaseEvent(services, caseId, { template: "withdrawn", visibleToRequester: true, actor: "requester" }, trx);
    return true;
  });
}
