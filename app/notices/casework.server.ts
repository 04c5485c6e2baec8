import type { Services } from "~/context";
import type { ItemKind, MatchState, NoticeState, RemovalState } from "~/db/schema";
import { authorizeCase } from "~/staff/cases.server";
import { can, type StaffIdentity } from "~/staff/permissions";
import { shortReference } from "./render.server";

/**
 * What the caseworker's case page shows of matching and removal: the
 * candidates to review (distance, the address as inert text), re-upload
 * alerts, the confirmed instances grouped by provider, and the notices with
 * their re-sends, referral deadline and time to removal. The page's view is
 * audited by staffCaseView; this adds no view of its own.
 */
export interface InstanceRow {
  sightingId: string;
  /** Inert text: never a link, never fetched, never previewed. */
  url: string | null;
  providerName: string | null;
  providerCountry: string | null;
  reportedAt: string;
  sourceName: string;
  removalState: RemovalState;
  removedAt: string | null;
  withheldUntil: string | null;
  forwardedTo: string[];
}

export interface CandidateRow extends InstanceRow {
  matchId: string;
  itemKind: ItemKind;
  distance: number;
  reupload: boolean;
  foundAt: string;
}

export interface ProviderGroup {
  providerId: string | null;
  providerName: string | null;
  providerCountry: string | null;
  hasContact: boolean;
  /** Instances a new notice would name now (confirmed, online, not held back, not in an open notice). */
  notifiable: number;
  instances: (InstanceRow & { inOpenNotice: boolean })[];
}

export interface NoticeRow {
  id: string;
  reference: string;
  providerName: string;
  providerCountry: string;
  state: NoticeState;
  senderNamed: boolean;
  sentAt: string;
  lastSentAt: string;
  sendCount: number;
  nextSendAt: string | null;
  referralDueAt: string;
  referralFlaggedAt: string | null;
  referredAt: string | null;
  referralNote: string | null;
  addresses: { sightingId: string; url: string | null; removedAt: string | null; removalHours: number | null }[];
}

export interface RemovalCaseView {
  wantsRemoval: boolean;
  candidates: CandidateRow[];
  reuploadAlerts: number;
  decided: { matchId: string; state: MatchState; distance: number; itemKind: ItemKind; url: string | null; providerName: string | null }[];
  groups: ProviderGroup[];
  notices: NoticeRow[];
  may: { review: boolean; notify: boolean };
}

export async function removalCaseView(services: Services, user: StaffIdentity, caseId: string): Promise<RemovalCaseView> {
  const target = await authorizeCase(services, user, "read:case", caseId);
  const { db, vault } = services;
  const now = services.now().toISOString();
  const [c, matches, notices, noticeRows] = await Promise.all([
    db.selectFrom("case").select(["wants_removal"]).where("id", "=", caseId).executeTakeFirstOrThrow(),
    db
      .selectFrom("match")
      .innerJoin("item", "item.id", "match.item_id")
      .innerJoin("sighting", "sighting.id", "match.sighting_id")
      .innerJoin("organisation as source", "source.id", "sighting.source_organisation_id")
      .leftJoin("provider", "provider.id", "sighting.provider_id")
      .select([
        "match.id as match_id",
        "match.state",
        "match.distance",
        "match.reupload",
        "match.created_at",
        "item.kind as item_kind",
        "sighting.id as sighting_id",
        "sighting.url",
        "sighting.reported_at",
        "sighting.removal_state",
        "sighting.removed_at",
        "sighting.withheld_until",
        "sighting.forwarded_to",
        "source.name as source_name",
        "provider.id as provider_id",
        "provider.name as provider_name",
        "provider.country as provider_country",
        "provider.removal_contact",
      ])
      .where("match.case_id", "=", caseId)
      .orderBy("match.reupload", "desc")
      .orderBy("match.distance")
      .orderBy("sighting.reported_at")
      .execute(),
    db
      .selectFrom("notice")
      .innerJoin("provider", "provider.id", "notice.provider_id")
      .selectAll("notice")
      .select(["provider.name as provider_name", "provider.country as provider_country"])
      .where("notice.case_id", "=", caseId)
      .orderBy("notice.sent_at", "desc")
      .execute(),
    db
      .selectFrom("notice_sighting")
      .innerJoin("notice", "notice.id", "notice_sighting.notice_id")
      .innerJoin("sighting", "sighting.id", "notice_sighting.sighting_id")
      .select(["notice_sighting.notice_id", "notice_sighting.sighting_id", "notice_sighting.removed_at", "notice_sighting.removal_seconds", "notice.state", "sighting.url"])
      .where("notice.case_id", "=", caseId)
      .orderBy("sighting.reported_at")
      .execute(),
  ]);

  const instance = (m: (typeof matches)[number]): InstanceRow => ({
    sightingId: m.sighting_id,
    url: m.url,
    providerName: m.provider_name,
    providerCountry: m.provider_country,
    reportedAt: m.reported_at,
    sourceName: m.source_name,
    removalState: m.removal_state,
    removedAt: m.removed_at,
    withheldUntil: m.withheld_until,
    forwardedTo: JSON.parse(m.forwarded_to) as string[],
  });
  const candidates = matches
    .filter((m) => m.state === "candidate")
    .map((m) => ({ ...instance(m), matchId: m.match_id, itemKind: m.item_kind, distance: m.distance, reupload: Number(m.reupload) === 1, foundAt: m.created_at }));

  const inOpenNotice = new Set(noticeRows.filter((r) => r.state === "open").map((r) => r.sighting_id));
  const groups = new Map<string, ProviderGroup>();
  const seen = new Set<string>();
  for (const m of matches.filter((m) => m.state === "confirmed")) {
    if (seen.has(m.sighting_id)) continue;
    seen.add(m.sighting_id);
    const key = m.provider_id ?? "";
    const group = groups.get(key) ?? {
      providerId: m.provider_id,
      providerName: m.provider_name,
      providerCountry: m.provider_country,
      hasContact: Boolean(m.removal_contact),
      notifiable: 0,
      instances: [],
    };
    const open = inOpenNotice.has(m.sighting_id);
    const held = m.withheld_until !== null && m.withheld_until > now;
    if (m.provider_id && m.url && !open && !held && m.removal_state !== "removed") group.notifiable++;
    group.instances.push({ ...instance(m), inOpenNotice: open });
    groups.set(key, group);
  }

  const may = {
    review: can(user, "review:match", target),
    notify: can(user, "send:notice", target),
  };
  return {
    wantsRemoval: c.wants_removal === 1,
    candidates,
    reuploadAlerts: candidates.filter((m) => m.reupload).length,
    decided: matches
      .filter((m) => m.state !== "candidate")
      .map((m) => ({ matchId: m.match_id, state: m.state, distance: m.distance, itemKind: m.item_kind, url: m.url, providerName: m.provider_name })),
    groups: [...groups.values()],
    notices: notices.map((n) => ({
      id: n.id,
      reference: shortReference(n.id),
      providerName: n.provider_name,
      providerCountry: n.provider_country,
      state: n.state,
      senderNamed: n.sender_named === 1,
      sentAt: n.sent_at,
      lastSentAt: n.last_sent_at,
      sendCount: n.send_count,
      nextSendAt: n.next_send_at,
      referralDueAt: n.referral_due_at,
      referralFlaggedAt: n.referral_flagged_at,
      referredAt: n.referred_at,
      referralNote: n.referral_note_enc ? vault.decrypt(n.referral_note_enc, "notice.referral_note_enc") : null,
      addresses: noticeRows
        .filter((r) => r.notice_id === n.id)
        .map((r) => ({ sightingId: r.sighting_id, url: r.url, removedAt: r.removed_at, removalHours: r.removal_seconds === null ? null : Math.round((Number(r.removal_seconds) / 3600) * 10) / 10 })),
    })),
    may,
  };
}
