import { randomUUID } from "node:crypto";
import { createCase } from "~/cases/cases.server";
import { completeRequest, type RequestDraft } from "~/cases/request";
import type { Services } from "~/context";
import type { Db } from "~/db/db.server";
import { EU_CENTRE_ID, type NewCase } from "~/db/schema";
import { allocateSightingSeqs } from "~/sightings/sequence.server";

export const SURVIVOR_EMAIL = "survivor.private@example.org";

/** A complete request: web address, MD5, a reference, e-mail contact. */
export const DRAFT: RequestDraft = {
  who: { relation: "self" },
  where: { country: "NL" },
  what: { wants: "both" },
  items: {
    urls: "https://files.example.net/a/1.jpg",
    pdq: "",
    sha256: "",
    md5: "d41d8cd98f00b204e9800998ecf8427e",
    references: "Police case 2026/114",
  },
  detail: { disclosure: "full" },
  contact: { contactMethod: "email", email: SURVIVOR_EMAIL, organisation: "" },
};

/** File a case through the domain function, as the request form does. */
export async function fileCase(services: Services, draft: RequestDraft = DRAFT, language = "en") {
  const complete = completeRequest(draft);
  if (!complete.ok) throw new Error(`incomplete request at ${complete.step}`);
  const { receipt } = await createCase(services, complete.request, { submissionToken: randomUUID(), language });
  return receipt;
}

/** A provider, a sighting (with a URL) and a confirmed match to the case's first item. */
export async function addConfirmedInstance(services: Services, caseId: string, { removed = false } = {}) {
  const at = services.now().toISOString();
  const providerId = randomUUID();
  const sightingId = randomUUID();
  await services.db
    .insertInto("provider")
    .values({ id: providerId, name: `Hosting Example GmbH ${providerId.slice(0, 8)}`, country: "DE", removal_contact: "abuse@host.example", languages: '["de","en"]', created_at: at })
    .execute();
  const [seq] = await services.db.transaction().execute((trx) => allocateSightingSeqs(trx, 1));
  await services.db
    .insertInto("sighting")
    .values({
      id: sightingId,
      seq,
      source_organisation_id: EU_CENTRE_ID,
      source_ref: sightingId,
      provider_id: providerId,
      url: "https://hidden-host.example/abuse/path/4711.jpg",
      pdq: null,
      pdq_quality: null,
      sha256: null,
      md5: "d41d8cd98f00b204e9800998ecf8427e",
      reported_at: "2026-10-01T09:00:00.000Z",
      forwarded_to: '["Bundeskriminalamt"]',
      forwarded_at: "2026-10-02T09:00:00.000Z",
      removal_state: removed ? "removed" : "online",
      removed_at: removed ? "2026-10-03T09:00:00.000Z" : null,
      withheld_until: null,
      created_at: at,
    })
    .execute();
  const item = await services.db.selectFrom("item").select("id").where("case_id", "=", caseId).orderBy("id").executeTakeFirstOrThrow();
  await services.db
    .insertInto("match")
    .values({ id: randomUUID(), case_id: caseId, item_id: item.id, sighting_id: sightingId, distance: 0, state: "confirmed", decided_by: null, decided_at: null, created_at: at })
    .execute();
  return { sightingId };
}

/**
 * A case row (with its subject) written straight to the database, for tests
 * that need a case to exist but are not about filing one.
 */
export async function insertCase(db: Db, reference: string, overrides: Partial<NewCase> = {}): Promise<string> {
  const at = new Date().toISOString();
  const subjectId = randomUUID();
  const caseId = randomUUID();
  await db.insertInto("subject").values({ id: subjectId, email_enc: null, email_bidx: null, contact_organisation_enc: null, created_at: at, updated_at: at }).execute();
  await db
    .insertInto("case")
    .values({
      id: caseId,
      reference,
      secret_hash: "$argon2id$unused",
      submission_hash: null,
      subject_id: subjectId,
      route: "eu",
      country: "FR",
      language: "fr",
      relation: "self",
      wants_information: 1,
      wants_removal: 1,
      disclosure: "summary",
      contact_method: "none",
      handling_organisation_id: EU_CENTRE_ID,
      status: "received",
      identity_verified_at: null,
      received_at: at,
      due_at: at,
      extended_due_at: null,
      closed_at: null,
      updated_at: at,
      filed_by_organisation_id: null,
      assigned_to: null,
      identity_verification_method: null,
      identity_verified_by: null,
      extension_reason_enc: null,
      rejection_reason_enc: null,
      ...overrides,
    })
    .execute();
  return caseId;
}
