import { randomUUID } from "node:crypto";
import { recordAudit } from "~/audit/audit.server";
import { addCaseEvent, CLOSED_STATUSES } from "~/cases/cases.server";
import type { Services } from "~/context";
import type { Db } from "~/db/db.server";
import { enqueueMail } from "~/mail/outbox.server";
import { authorizeCase } from "~/staff/cases.server";
import type { StaffIdentity } from "~/staff/permissions";
import { applyRemovals } from "./removals.server";
import { noticeLanguage, renderNotice } from "./render.server";

/**
 * Removal notices (docs/decisions/013-removal-notices.md). For a case that
 * asked for removal support, a caseworker sends one notice per provider,
 * bundling every confirmed instance of that provider still online; it is
 * re-sent every NOTICE_RESEND_INTERVAL until each address is confirmed
 * removed (by the source, through the API, or by a caseworker). After
 * NOTICE_REFERRAL_AFTER without removal the case is flagged for referral to
 * the authority of the provider's country for a removal order, which the
 * caseworker records. Instances held back by law enforcement are never
 * included while the hold lasts.
 */

/** A rule of the removal process: the route shows `removal:<key>`. */
export class RemovalError extends Error {
  constructor(readonly key: string) {
    super(key);
  }
}

type Deps = Pick<Services, "db" | "now" | "vault" | "env">;

/** The address providers answer to: NOTICE_CONTACT, or the address of MAIL_FROM. */
export function noticeContact(env: Pick<Services["env"], "NOTICE_CONTACT" | "MAIL_FROM">): string {
  return env.NOTICE_CONTACT ?? env.MAIL_FROM.match(/<([^>]+)>/)?.[1] ?? env.MAIL_FROM;
}

const heldBack = (withheldUntil: string | null, now: string) => withheldUntil !== null && withheldUntil > now;

/** Confirmed instances of this case at this provider that a new notice would name. */
async function notifiable(db: Db, caseId: string, providerId: string, now: string) {
  const rows = await db
    .selectFrom("match")
    .innerJoin("sighting", "sighting.id", "match.sighting_id")
    .select(["sighting.id", "sighting.url", "sighting.withheld_until"])
    .where("match.case_id", "=", caseId)
    .where("match.state", "=", "confirmed")
    .where("sighting.provider_id", "=", providerId)
    .where("sighting.removal_state", "!=", "removed")
    .where("sighting.url", "is not", null)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom("notice_sighting")
            .innerJoin("notice", "notice.id", "notice_sighting.notice_id")
            .select("notice_sighting.sighting_id")
            .whereRef("notice_sighting.sighting_id", "=", "sighting.id")
            .where("notice.case_id", "=", caseId)
            .where("notice.state", "=", "open"),
        ),
      ),
    )
    .orderBy("sighting.reported_at")
    .execute();
  const unique = [...new Map(rows.map((r) => [r.id, r])).values()];
  return unique.filter((r) => !heldBack(r.withheld_until, now)) as { id: string; url: string; withheld_until: string | null }[];
}

export async function sendNotice(
  services: Deps,
  user: StaffIdentity,
  caseId: string,
  providerId: string,
  { senderNamed }: { senderNamed: boolean },
): Promise<{ noticeId: string }> {
  await authorizeCase(services as Services, user, "send:notice", caseId);
  const now = services.now();
  const at = now.toISOString();
  return services.db.transaction().execute(async (trx) => {
    const c = await trx
      .selectFrom("case")
      .innerJoin("organisation", "organisation.id", "case.handling_organisation_id")
      .select(["case.status", "case.wants_removal", "organisation.name as organisation_name"])
      .where("case.id", "=", caseId)
      .executeTakeFirstOrThrow();
    if (CLOSED_STATUSES.includes(c.status)) throw new RemovalError("errors.closed");
    if (c.wants_removal !== 1) throw new RemovalError("errors.noRemoval");
    const provider = await trx.selectFrom("provider").selectAll().where("id", "=", providerId).executeTakeFirst();
    if (!provider) throw new RemovalError("errors.nothingToNotify");
    if (!provider.removal_contact) throw new RemovalError("errors.noContact");
    const instances = await notifiable(trx, caseId, providerId, at);
    if (instances.length === 0) throw new RemovalError("errors.nothingToNotify");

    const noticeId = randomUUID();
    const language = noticeLanguage(JSON.parse(provider.languages) as string[]);
    await trx
      .insertInto("notice")
      .values({
        id: noticeId,
        case_id: caseId,
        provider_id: providerId,
        language,
        sender_named: senderNamed ? 1 : 0,
        state: "open",
        sent_at: at,
        last_sent_at: at,
        send_count: 1,
        next_send_at: new Date(now.getTime() + services.env.NOTICE_RESEND_INTERVAL).toISOString(),
        referral_due_at: new Date(now.getTime() + services.env.NOTICE_REFERRAL_AFTER).toISOString(),
        referral_flagged_at: null,
        referred_at: null,
        referred_by: null,
        referral_note_enc: null,
        closed_at: null,
        created_by: user.id,
      })
      .execute();
    await trx
      .insertInto("notice_sighting")
      .values(instances.map((i) => ({ notice_id: noticeId, sighting_id: i.id, removed_at: null, removal_seconds: null, removal_recorded_by: null })))
      .execute();
    const content = await renderNotice(language, {
      reference: noticeId,
      providerName: provider.name,
      urls: instances.map((i) => i.url),
      senderName: senderNamed ? c.organisation_name : null,
      contact: noticeContact(services.env),
      firstSentAt: at,
      sendNumber: 1,
      resendIntervalMs: services.env.NOTICE_RESEND_INTERVAL,
    });
    await enqueueMail({ ...services, db: trx }, { to: provider.removal_contact, template: "notice", language, content, caseId });
    await addCaseEvent(services as Services, caseId, { template: "noticeSent", params: { provider: provider.name, count: instances.length }, visibleToRequester: true, actor: "staff" }, trx);
    await trx.updateTable("case").set({ updated_at: at }).where("id", "=", caseId).execute();
    await recordAudit(
      services,
      { actorKind: "staff", actorId: user.id, organisationId: user.organisationId, action: "notice.send", caseId, details: { noticeId, providerId, instances: instances.length, senderNamed } },
      trx,
    );
    return { noticeId };
  });
}

export interface NoticeRun {
  resent: number;
  flagged: number;
  closed: number;
}

/**
 * Re-send what is due, flag what is overdue for referral, and stop notices of
 * closed cases. Several instances may run this at once: each re-send is
 * claimed with a conditional update, in the transaction that queues the mail.
 */
export async function processNotices(services: Deps, { batchSize = 50 }: { batchSize?: number } = {}): Promise<NoticeRun> {
  const run: NoticeRun = { resent: 0, flagged: 0, closed: 0 };
  const now = services.now();
  const at = now.toISOString();
  const { db } = services;

  const stale = await db
    .selectFrom("notice")
    .innerJoin("case", "case.id", "notice.case_id")
    .select("notice.id")
    .where("notice.state", "=", "open")
    .where("case.status", "in", CLOSED_STATUSES)
    .limit(batchSize)
    .execute();
  for (const { id } of stale) {
    const result = await db.updateTable("notice").set({ state: "closed", next_send_at: null, closed_at: at }).where("id", "=", id).where("state", "=", "open").executeTakeFirst();
    run.closed += Number(result.numUpdatedRows);
  }

  const due = await db
    .selectFrom("notice")
    .innerJoin("case", "case.id", "notice.case_id")
    .innerJoin("provider", "provider.id", "notice.provider_id")
    .innerJoin("organisation", "organisation.id", "case.handling_organisation_id")
    .select([
      "notice.id",
      "notice.case_id",
      "notice.language",
      "notice.sender_named",
      "notice.sent_at",
      "notice.send_count",
      "notice.next_send_at",
      "provider.name as provider_name",
      "provider.removal_contact",
      "organisation.name as organisation_name",
    ])
    .where("notice.state", "=", "open")
    .where("notice.next_send_at", "<=", at)
    .where("case.status", "not in", CLOSED_STATUSES)
    .orderBy("notice.next_send_at")
    .limit(batchSize)
    .execute();
  for (const notice of due) {
    const sent = await db.transaction().execute(async (trx) => {
      const claimed = await trx
        .updateTable("notice")
        .set({ next_send_at: new Date(now.getTime() + services.env.NOTICE_RESEND_INTERVAL).toISOString(), last_sent_at: at, send_count: notice.send_count + 1 })
        .where("id", "=", notice.id)
        .where("state", "=", "open")
        .where("next_send_at", "=", notice.next_send_at)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) return false;
      const online = (
        await trx
          .selectFrom("notice_sighting")
          .innerJoin("sighting", "sighting.id", "notice_sighting.sighting_id")
          .select(["sighting.url", "sighting.withheld_until"])
          .where("notice_sighting.notice_id", "=", notice.id)
          .where("notice_sighting.removed_at", "is", null)
          .where("sighting.removal_state", "!=", "removed")
          .execute()
      ).filter((s) => s.url && !heldBack(s.withheld_until, at));
      // A contact removed from the directory since: keep the schedule, send nothing until it is back.
      if (online.length === 0 || !notice.removal_contact) return false;
      const content = await renderNotice(notice.language, {
        reference: notice.id,
        providerName: notice.provider_name,
        urls: online.map((s) => s.url!),
        senderName: notice.sender_named ? notice.organisation_name : null,
        contact: noticeContact(services.env),
        firstSentAt: notice.sent_at,
        sendNumber: notice.send_count + 1,
        resendIntervalMs: services.env.NOTICE_RESEND_INTERVAL,
      });
      await enqueueMail({ ...services, db: trx }, { to: notice.removal_contact, template: "notice", language: notice.language, content, caseId: notice.case_id });
      // Daily reminders would mean daily e-mails to the requester: their timeline shows them, no notice is sent.
      await addCaseEvent(
        services as Services,
        notice.case_id,
        { template: "noticeResent", params: { provider: notice.provider_name, number: notice.send_count }, visibleToRequester: true, actor: "system", notify: false },
        trx,
      );
      return true;
    });
    if (sent) run.resent++;
  }

  const overdue = await db
    .selectFrom("notice")
    .innerJoin("case", "case.id", "notice.case_id")
    .innerJoin("provider", "provider.id", "notice.provider_id")
    .select(["notice.id", "notice.case_id", "provider.name as provider_name"])
    .where("notice.state", "in", ["open", "refused"])
    .where("notice.referral_flagged_at", "is", null)
    .where("notice.referral_due_at", "<=", at)
    .where("notice.referred_at", "is", null)
    .where("case.status", "not in", CLOSED_STATUSES)
    .limit(batchSize)
    .execute();
  for (const notice of overdue) {
    const flagged = await db.transaction().execute(async (trx) => {
      const result = await trx.updateTable("notice").set({ referral_flagged_at: at }).where("id", "=", notice.id).where("referral_flagged_at", "is", null).executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return false;
      await addCaseEvent(services as Services, notice.case_id, { template: "referralDue", params: { provider: notice.provider_name }, visibleToRequester: false, actor: "system" }, trx);
      return true;
    });
    if (flagged) run.flagged++;
  }
  return run;
}

async function openNotice(trx: Db, caseId: string, noticeId: string) {
  const notice = await trx
    .selectFrom("notice")
    .innerJoin("provider", "provider.id", "notice.provider_id")
    .select(["notice.id", "notice.state", "notice.referred_at", "notice.referral_flagged_at", "provider.name as provider_name", "provider.country as provider_country", "provider.id as provider_id"])
    .where("notice.id", "=", noticeId)
    .where("notice.case_id", "=", caseId)
    .executeTakeFirst();
  if (!notice) throw new RemovalError("errors.noNotice");
  return notice;
}

/** The caseworker asked the authority of the provider's country for a removal order (24-hour compliance). */
export async function recordReferral(services: Deps, user: StaffIdentity, caseId: string, noticeId: string, note: string) {
  await authorizeCase(services as Services, user, "send:notice", caseId);
  const at = services.now().toISOString();
  await services.db.transaction().execute(async (trx) => {
    const notice = await openNotice(trx, caseId, noticeId);
    if (notice.referred_at) throw new RemovalError("errors.alreadyReferred");
    if (notice.state === "removed" || notice.state === "closed") throw new RemovalError("errors.noticeDone");
    await trx
      .updateTable("notice")
      .set({
        referred_at: at,
        referred_by: user.id,
        referral_flagged_at: notice.referral_flagged_at ?? at,
        referral_note_enc: note.trim() ? services.vault.encrypt(note.trim(), "notice.referral_note_enc") : null,
      })
      .where("id", "=", noticeId)
      .execute();
    await addCaseEvent(services as Services, caseId, { template: "referralRecorded", params: { country: notice.provider_country }, visibleToRequester: true, actor: "staff" }, trx);
    await recordAudit(services, { actorKind: "staff", actorId: user.id, organisationId: user.organisationId, action: "notice.referral", caseId, details: { noticeId } }, trx);
  });
}

/** The provider refused: no more re-sending, and the case is flagged for referral at once. */
export async function recordRefusal(services: Deps, user: StaffIdentity, caseId: string, noticeId: string) {
  await authorizeCase(services as Services, user, "send:notice", caseId);
  const at = services.now().toISOString();
  await services.db.transaction().execute(async (trx) => {
    const notice = await openNotice(trx, caseId, noticeId);
    if (notice.state !== "open") throw new RemovalError("errors.noticeDone");
    await trx
      .updateTable("notice")
      .set({ state: "refused", next_send_at: null, closed_at: at, referral_flagged_at: notice.referral_flagged_at ?? at })
      .where("id", "=", noticeId)
      .execute();
    await addCaseEvent(services as Services, caseId, { template: "noticeRefused", params: { provider: notice.provider_name }, visibleToRequester: true, actor: "staff" }, trx);
    await recordAudit(services, { actorKind: "staff", actorId: user.id, organisationId: user.organisationId, action: "notice.refused", caseId, details: { noticeId } }, trx);
  });
}

/** A caseworker confirmed an instance of this case is gone (checked, or the provider said so). */
export async function recordRemoval(services: Deps, user: StaffIdentity, caseId: string, sightingId: string, removedAt?: string) {
  await authorizeCase(services as Services, user, "send:notice", caseId);
  const now = services.now().toISOString();
  const when = removedAt && removedAt <= now ? removedAt : now;
  await services.db.transaction().execute(async (trx) => {
    const confirmed = await trx
      .selectFrom("match")
      .innerJoin("sighting", "sighting.id", "match.sighting_id")
      .select(["sighting.removal_state"])
      .where("match.case_id", "=", caseId)
      .where("match.sighting_id", "=", sightingId)
      .where("match.state", "=", "confirmed")
      .executeTakeFirst();
    if (!confirmed) throw new RemovalError("errors.noInstance");
    if (confirmed.removal_state === "removed") throw new RemovalError("errors.alreadyRemoved");
    await trx.updateTable("sighting").set({ removal_state: "removed", removed_at: when, updated_at: now }).where("id", "=", sightingId).execute();
    await applyRemovals(services, trx, [{ sightingId, removedAt: when }], user.id);
    await trx.updateTable("case").set({ updated_at: now }).where("id", "=", caseId).execute();
    await recordAudit(services, { actorKind: "staff", actorId: user.id, organisationId: user.organisationId, action: "sighting.removed", caseId, details: { sightingId } }, trx);
  });
}
