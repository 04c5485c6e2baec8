import { recordAudit } from "~/audit/audit.server";
import type { Services } from "~/context";
import type { StaffIdentity } from "~/staff/permissions";
import { shortReference } from "./render.server";

/**
 * The supervisor's view of removal work for their organisation's cases: open
 * notices, time to removal per provider (median and 90th percentile, from
 * each instance's first notice to its removal), and referrals for a removal
 * order that are overdue. Viewing it is audited.
 */
export interface OpenNoticeRow {
  id: string;
  reference: string;
  caseId: string;
  caseReference: string;
  providerName: string;
  providerCountry: string;
  sentAt: string;
  sendCount: number;
  nextSendAt: string | null;
  referralDueAt: string;
  flagged: boolean;
  ageHours: number;
  online: number;
}

export interface ProviderRow {
  providerId: string;
  name: string;
  country: string;
  removed: number;
  open: number;
  medianSeconds: number | null;
  p90Seconds: number | null;
}

export interface OverdueReferralRow {
  id: string;
  reference: string;
  caseId: string;
  caseReference: string;
  providerName: string;
  providerCountry: string;
  flaggedAt: string;
  overdueHours: number;
}

export interface DashboardView {
  openNotices: OpenNoticeRow[];
  providers: ProviderRow[];
  overdueReferrals: OverdueReferralRow[];
  ageBuckets: { key: "day" | "threeDays" | "week" | "older"; count: number }[];
  totals: { openNotices: number; removedInstances: number; medianSeconds: number | null; p90Seconds: number | null; overdueReferrals: number };
}

/** Nearest-rank percentile of sorted values (p in 0–1). */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

const hours = (seconds: number) => Math.round((seconds / 3600) * 10) / 10;

export async function removalDashboard(services: Services, user: StaffIdentity): Promise<DashboardView> {
  const { db } = services;
  const now = services.now();
  const org = user.organisationId;

  const [open, removals, overdue, onlineCounts] = await Promise.all([
    db
      .selectFrom("notice")
      .innerJoin("case", "case.id", "notice.case_id")
      .innerJoin("provider", "provider.id", "notice.provider_id")
      .select([
        "notice.id",
        "notice.case_id",
        "case.reference",
        "provider.id as provider_id",
        "provider.name as provider_name",
        "provider.country as provider_country",
        "notice.sent_at",
        "notice.send_count",
        "notice.next_send_at",
        "notice.referral_due_at",
        "notice.referral_flagged_at",
      ])
      .where("case.handling_organisation_id", "=", org)
      .where("notice.state", "=", "open")
      .orderBy("notice.sent_at")
      .execute(),
    db
      .selectFrom("notice_sighting")
      .innerJoin("notice", "notice.id", "notice_sighting.notice_id")
      .innerJoin("case", "case.id", "notice.case_id")
      .innerJoin("provider", "provider.id", "notice.provider_id")
      .select(["provider.id as provider_id", "provider.name", "provider.country", "notice_sighting.removal_seconds"])
      .where("case.handling_organisation_id", "=", org)
      .where("notice_sighting.removal_seconds", "is not", null)
      .execute(),
    db
      .selectFrom("notice")
      .innerJoin("case", "case.id", "notice.case_id")
      .innerJoin("provider", "provider.id", "notice.provider_id")
      .select(["notice.id", "notice.case_id", "case.reference", "provider.name as provider_name", "provider.country as provider_country", "notice.referral_flagged_at"])
      .where("case.handling_organisation_id", "=", org)
      .where("notice.referral_flagged_at", "is not", null)
      .where("notice.referred_at", "is", null)
      .where("notice.state", "in", ["open", "refused"])
      .orderBy("notice.referral_flagged_at")
      .execute(),
    db
      .selectFrom("notice_sighting")
      .innerJoin("notice", "notice.id", "notice_sighting.notice_id")
      .innerJoin("case", "case.id", "notice.case_id")
      .select(["notice_sighting.notice_id", (eb) => eb.fn.countAll<number>().as("n")])
      .where("case.handling_organisation_id", "=", org)
      .where("notice.state", "=", "open")
      .where("notice_sighting.removed_at", "is", null)
      .groupBy("notice_sighting.notice_id")
      .execute(),
  ]);
  const online = new Map(onlineCounts.map((r) => [r.notice_id, Number(r.n)]));

  const byProvider = new Map<string, { name: string; country: string; seconds: number[]; open: number }>();
  for (const r of removals) {
    const entry = byProvider.get(r.provider_id) ?? { name: r.name, country: r.country, seconds: [], open: 0 };
    entry.seconds.push(Number(r.removal_seconds));
    byProvider.set(r.provider_id, entry);
  }
  const openNotices: OpenNoticeRow[] = open.map((n) => ({
    id: n.id,
    reference: shortReference(n.id),
    caseId: n.case_id,
    caseReference: n.reference,
    providerName: n.provider_name,
    providerCountry: n.provider_country,
    sentAt: n.sent_at,
    sendCount: n.send_count,
    nextSendAt: n.next_send_at,
    referralDueAt: n.referral_due_at,
    flagged: n.referral_flagged_at !== null,
    ageHours: hours((now.getTime() - Date.parse(n.sent_at)) / 1000),
    online: online.get(n.id) ?? 0,
  }));
  for (const n of open) {
    const entry = byProvider.get(n.provider_id) ?? { name: n.provider_name, country: n.provider_country, seconds: [], open: 0 };
    entry.open++;
    byProvider.set(n.provider_id, entry);
  }
  const providers: ProviderRow[] = [...byProvider.entries()]
    .map(([providerId, v]) => {
      const sorted = [...v.seconds].sort((a, b) => a - b);
      const median = percentile(sorted, 0.5);
      const p90 = percentile(sorted, 0.9);
      return {
        providerId,
        name: v.name,
        country: v.country,
        removed: sorted.length,
        open: v.open,
        medianSeconds: median,
        p90Seconds: p90,
      };
    })
    .sort((a, b) => (b.p90Seconds ?? -1) - (a.p90Seconds ?? -1) || a.name.localeCompare(b.name));

  const all = removals.map((r) => Number(r.removal_seconds)).sort((a, b) => a - b);
  const median = percentile(all, 0.5);
  const p90 = percentile(all, 0.9);
  const ages = openNotices.map((n) => n.ageHours);
  await recordAudit(services, { actorKind: "staff", actorId: user.id, organisationId: org, action: "dashboard.view" });
  return {
    openNotices,
    providers,
    overdueReferrals: overdue.map((n) => ({
      id: n.id,
      reference: shortReference(n.id),
      caseId: n.case_id,
      caseReference: n.reference,
      providerName: n.provider_name,
      providerCountry: n.provider_country,
      flaggedAt: n.referral_flagged_at!,
      overdueHours: hours((now.getTime() - Date.parse(n.referral_flagged_at!)) / 1000),
    })),
    ageBuckets: [
      { key: "day", count: ages.filter((h) => h < 24).length },
      { key: "threeDays", count: ages.filter((h) => h >= 24 && h < 72).length },
      { key: "week", count: ages.filter((h) => h >= 72 && h < 168).length },
      { key: "older", count: ages.filter((h) => h >= 168).length },
    ],
    totals: {
      openNotices: openNotices.length,
      removedInstances: all.length,
      medianSeconds: median,
      p90Seconds: p90,
      overdueReferrals: overdue.length,
    },
  };
}
