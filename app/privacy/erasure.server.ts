import { randomUUID } from "node:crypto";
import { recordAudit, type AuditEntry } from "~/audit/audit.server";
import { addCaseEvent } from "~/cases/cases.server";
import type { Services } from "~/context";
import type { Db } from "~/db/db.server";
import { destroyAllCaseSessions } from "~/sessions/session.server";
import { cancelCaseMails } from "~/mail/outbox.server";

/**
 * Erasure (GDPR Art. 17) and the end of retention both reduce a case to
 * anonymous statistics: one row of months and counts in `case_statistics`
 * with no id, reference or link back, and the case row itself deleted with
 * everything hung on it (items, timeline, messages, matches, sessions,
 * mandates, notes, removal notices: all cascade, so no notice is re-sent)
 * and its subject (identity and contact).
 *
 * What stays: the audit trail of the case (pseudonymous ids and encrypted
 * reasons, for accountability, two years) and the sightings, which are
 * hotlines' and providers' reports, not the requester's data.
 */

export type ReducedBecause = "erasure" | "retention";

const month = (iso: string) => iso.slice(0, 7);
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Reduce one case to statistics, in one transaction. Returns false (and
 * changes nothing) when the case is gone already (another process did it) or
 * is under a legal hold.
 */
export async function reduceCaseToStatistics(
  services: Pick<Services, "db" | "now" | "vault">,
  caseId: string,
  because: ReducedBecause,
  actor: Pick<AuditEntry, "actorKind" | "actorId" | "organisationId"> = { actorKind: "system", actorId: null },
): Promise<boolean> {
  const now = services.now().toISOString();
  const outcome = await services.db
    .transaction()
    .execute(async (trx) => {
      const c = await trx
        .selectFrom("case")
        .select(["id", "subject_id", "status", "route", "country", "relation", "handling_organisation_id", "received_at", "closed_at", "legal_hold"])
        .where("id", "=", caseId)
        .executeTakeFirst();
      if (!c || c.legal_hold === 1) return false;
      const counts = await caseCounts(trx, caseId);

      // Deleting first, on a condition, makes a race with another process harmless: the loser deletes nothing and writes nothing.
      const deleted = await trx.deleteFrom("case").where("id", "=", caseId).where("legal_hold", "=", 0).executeTakeFirst();
      if (Number(deleted.numDeletedRows) !== 1) throw new Raced();
      const shared = await trx.selectFrom("case").select("id").where("subject_id", "=", c.subject_id).executeTakeFirst();
      if (!shared) await trx.deleteFrom("subject").where("id", "=", c.subject_id).execute();

      await trx
        .insertInto("case_statistics")
        .values({
          id: randomUUID(),
          received_month: month(c.received_at),
          closed_month: c.closed_at ? month(c.closed_at) : null,
          reduced_month: month(now),
          reduced_because: because,
          route: c.route,
          country: c.country,
          relation: c.relation,
          handling_organisation_id: c.handling_organisation_id,
          final_status: c.status,
          days_open: c.closed_at ? Math.round((Date.parse(c.closed_at) - Date.parse(c.received_at)) / DAY_MS) : null,
          ...counts,
        })
        .execute();
      await recordAudit(services, { ...actor, action: "case.reduced", caseId, details: { because } }, trx);
      return true;
    })
    .catch((error: unknown) => {
      if (error instanceof Raced) return false;
      throw error;
    });
  return outcome;
}

class Raced extends Error {}

async function caseCounts(db: Db, caseId: string) {
  const [items, instances] = await Promise.all([
    db.selectFrom("item").select((eb) => eb.fn.countAll<number>().as("n")).where("case_id", "=", caseId).executeTakeFirstOrThrow(),
    db
      .selectFrom("match")
      .innerJoin("sighting", "sighting.id", "match.sighting_id")
      .select(["sighting.id", "sighting.removal_state"])
      .distinct()
      .where("match.case_id", "=", caseId)
      .where("match.state", "=", "confirmed")
      .execute(),
  ]);
  return {
    items: Number(items.n),
    instances_found: instances.length,
    instances_removed: instances.filter((i) => i.removal_state === "removed").length,
  };
}

export interface ErasurePlan {
  /** A legal hold applies: only contact details go now; the rest when the hold ends. */
  held: boolean;
  heldSince: string | null;
  hasEmail: boolean;
  hasOrganisation: boolean;
  messages: number;
  items: number;
  /** Removal notices to providers still being re-sent: erasure stops them. */
  openNotices: number;
}

/** What erasure would do for this case now: the erase page explains it before the person confirms. */
export async function erasurePlan(services: Pick<Services, "db">, caseId: string): Promise<ErasurePlan> {
  const c = await services.db
    .selectFrom("case")
    .innerJoin("subject", "subject.id", "case.subject_id")
    .select(["case.legal_hold", "case.legal_hold_at", "subject.email_enc", "subject.contact_organisation_enc"])
    .where("case.id", "=", caseId)
    .executeTakeFirstOrThrow();
  const [messages, items, notices] = await Promise.all([
    services.db.selectFrom("message").select((eb) => eb.fn.countAll<number>().as("n")).where("case_id", "=", caseId).executeTakeFirstOrThrow(),
    services.db.selectFrom("item").select((eb) => eb.fn.countAll<number>().as("n")).where("case_id", "=", caseId).executeTakeFirstOrThrow(),
    services.db
      .selectFrom("notice")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("case_id", "=", caseId)
      .where("state", "=", "open")
      .executeTakeFirstOrThrow(),
  ]);
  return {
    held: c.legal_hold === 1,
    heldSince: c.legal_hold === 1 ? c.legal_hold_at : null,
    hasEmail: Boolean(c.email_enc),
    hasOrganisation: Boolean(c.contact_organisation_enc),
    messages: Number(messages.n),
    items: Number(items.n),
    openNotices: Number(notices.n),
  };
}

export type ErasureResult = { outcome: "erased" } | { outcome: "held" } | { outcome: "gone" };

/**
 * The requester's erasure, at once. Without a legal hold the case is reduced
 * to statistics. Under a hold, contact details and e-mails to them go now,
 * the rest is kept, locked, and erased by the retention job as soon as the
 * hold ends. Either way, every session of the case ends.
 */
export async function eraseCase(
  services: Services,
  caseId: string,
  /** Who asked: the requester (default), or a support worker acting for them under their mandate. */
  actor: Pick<AuditEntry, "actorKind" | "actorId" | "organisationId"> = { actorKind: "requester", actorId: null },
): Promise<ErasureResult> {
  const row = await services.db
    .selectFrom("case")
    .innerJoin("subject", "subject.id", "case.subject_id")
    .select(["case.legal_hold", "case.subject_id", "subject.email_enc"])
    .where("case.id", "=", caseId)
    .executeTakeFirst();
  if (!row) return { outcome: "gone" };
  const email = row.email_enc ? services.vault.decrypt(row.email_enc, "subject.email_enc") : null;

  if (row.legal_hold === 0) {
    if (await reduceCaseToStatistics(services, caseId, "erasure", actor)) {
      if (email) await cancelMailsTo(services, email);
      await cancelCaseMails(services, caseId);
      return { outcome: "erased" };
    }
    // Someone else erased it in the meantime, or a hold was set a moment ago.
    const still = await services.db.selectFrom("case").select("id").where("id", "=", caseId).executeTakeFirst();
    if (!still) return { outcome: "gone" };
  }

  const at = services.now().toISOString();
  await services.db.transaction().execute(async (trx) => {
    await trx
      .updateTable("subject")
      .set({ email_enc: null, email_bidx: null, contact_organisation_enc: null, updated_at: at })
      .where("id", "=", row.subject_id)
      .execute();
    await trx.updateTable("case").set({ contact_method: "none", erasure_requested_at: at, updated_at: at }).where("id", "=", caseId).execute();
    // Pending removal notices stop: none is re-sent after the person asked for erasure.
    await trx.updateTable("notice").set({ state: "closed", next_send_at: null, closed_at: at }).where("case_id", "=", caseId).where("state", "=", "open").execute();
    await addCaseEvent(services, caseId, { template: "erasureHeld", visibleToRequester: true, actor: actor.actorKind === "requester" ? "requester" : "staff", notify: false }, trx);
    await recordAudit(services, { ...actor, action: "case.erasure.held", caseId, details: { contactErased: true } }, trx);
  });
  if (email) await cancelMailsTo(services, email);
  await cancelCaseMails(services, caseId);
  await destroyAllCaseSessions(services, caseId);
  return { outcome: "held" };
}

/**
 * Delete every queued or kept e-mail to this address. The outbox stores
 * recipients encrypted with a fresh IV each, so they are compared decrypted;
 * the outbox holds at most a month of mail.
 */
export async function cancelMailsTo(services: Pick<Services, "db" | "vault">, email: string): Promise<number> {
  const wanted = email.trim().toLowerCase();
  let cancelled = 0;
  let after = "";
  for (;;) {
    const rows = await services.db.selectFrom("outbox").select(["id", "recipient_enc"]).where("id", ">", after).orderBy("id").limit(500).execute();
    const matching = rows
      .filter((r) => {
        try {
          return services.vault.decrypt(r.recipient_enc, "outbox.recipient_enc").trim().toLowerCase() === wanted;
        } catch {
          return false;
        }
      })
      .map((r) => r.id);
    if (matching.length) {
      const result = await services.db.deleteFrom("outbox").where("id", "in", matching).executeTakeFirst();
      cancelled += Number(result.numDeletedRows);
    }
    if (rows.length < 500) return cancelled;
    after = rows[rows.length - 1].id;
  }
}
