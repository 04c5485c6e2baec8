import type { Services } from "~/context";
import type { CaseStatus, Disclosure, ItemKind, RemovalState, Route } from "~/db/schema";

/**
 * What the requester may see of their case, and nothing more: never a URL,
 * instances only once identity is verified and a caseworker confirmed the
 * match, and only at the level of detail the person chose.
 */
export interface CaseStatusView {
  reference: string;
  status: CaseStatus;
  route: Route;
  country: string;
  organisationName: string;
  receivedAt: string;
  dueAt: string;
  extended: boolean;
  closed: boolean;
  disclosure: Disclosure;
  wantsInformation: boolean;
  wantsRemoval: boolean;
  identityVerified: boolean;
  items: { kind: ItemKind; addedAt: string }[];
  unreadMessages: number;
  timeline: TimelineEntry[];
  instances: InstancesView;
}

export interface TimelineEntry {
  id: string;
  at: string;
  template: string;
  params: Record<string, string | number>;
  note: { text: string; language: string } | null;
}

/** Per instance, the facts Article 20 names; a withheld instance says only until when. */
export type InstanceView =
  | {
      withheld: false;
      providerName: string | null;
      providerCountry: string | null;
      reportedAt: string;
      forwardedTo: string[];
      forwardedAt: string | null;
      removalState: RemovalState;
      removedAt: string | null;
      /** When we first asked the provider to remove it (a removal notice), if we did. */
      removalRequestedAt: string | null;
    }
  | { withheld: true; withheldUntil: string };

export type InstancesView =
  | { level: "unverified" }
  | { level: "outcome"; final: boolean; total: number; removed: number }
  | { level: "summary"; total: number; removed: number; forwarded: number; withheld: number }
  | { level: "full"; instances: InstanceView[] };

/** How much of the timeline each level of detail shows. */
const EVENT_LEVEL: Record<string, Disclosure> = {
  received: "outcome",
  completed: "outcome",
  rejected: "outcome",
  withdrawn: "outcome",
  dueDateExtended: "outcome",
  paused: "outcome",
  messageSent: "outcome",
  messageReceived: "outcome",
  itemsAdded: "outcome",
  disclosureChanged: "outcome",
  contactChanged: "outcome",
  erasureHeld: "outcome",
  identityVerified: "summary",
  identityCheck: "summary",
  inProgress: "summary",
  news: "outcome",
  searchStarted: "summary",
  instancesFound: "summary",
  removalRequested: "summary",
  removed: "summary",
  answered: "summary",
  // Removal support (app/notices/): the detailed form names the provider; below
  // "full" the same step reads in its summary form (SUMMARY_FORM), or not at all.
  instanceConfirmed: "full",
  instanceConfirmedNoProvider: "summary",
  instanceHeldBack: "summary",
  noticeSent: "full",
  noticeResent: "full",
  removalReminded: "summary",
  instanceRemoved: "full",
  instanceRemovedWithinHour: "full",
  instanceRemovedNoNotice: "full",
  noticeRefused: "full",
  removalRefused: "summary",
  referralRecorded: "full",
  referralRequested: "summary",
};

/** What a detailed step says to someone who chose a summary: the same step without the provider. */
const SUMMARY_FORM: Record<string, (params: Record<string, string | number>) => { template: string; params: Record<string, string | number> }> = {
  instanceConfirmed: () => ({ template: "instancesFound", params: { count: 1 } }),
  noticeSent: () => ({ template: "removalRequested", params: {} }),
  noticeResent: () => ({ template: "removalReminded", params: {} }),
  instanceRemoved: () => ({ template: "removed", params: {} }),
  instanceRemovedWithinHour: () => ({ template: "removed", params: {} }),
  instanceRemovedNoNotice: () => ({ template: "removed", params: {} }),
  noticeRefused: () => ({ template: "removalRefused", params: {} }),
  referralRecorded: () => ({ template: "referralRequested", params: {} }),
};

/** The event as the reader's level of detail shows it, or null when that level leaves it out. */
export function eventAtLevel(template: string, params: Record<string, string | number>, disclosure: Disclosure) {
  if (eventShownAt(template, disclosure)) return { template, params };
  const summary = SUMMARY_FORM[template]?.(params);
  return summary && eventShownAt(summary.template, disclosure) ? summary : null;
}
const RANK: Record<Disclosure, number> = { outcome: 0, summary: 1, full: 2 };
export const eventShownAt = (template: string, disclosure: Disclosure) =>
  RANK[EVENT_LEVEL[template] ?? "full"] <= RANK[disclosure];

const FINAL_STATUSES: CaseStatus[] = ["answered", "completed", "rejected", "withdrawn"];

export async function getCaseStatus(services: Services, caseId: string): Promise<CaseStatusView> {
  const { db, vault } = services;
  const now = services.now().toISOString();
  const c = await db
    .selectFrom("case")
    .innerJoin("organisation", "organisation.id", "case.handling_organisation_id")
    .select([
      "case.reference",
      "case.status",
      "case.route",
      "case.country",
      "case.received_at",
      "case.due_at",
      "case.extended_due_at",
      "case.closed_at",
      "case.disclosure",
      "case.wants_information",
      "case.wants_removal",
      "case.identity_verified_at",
      "organisation.name as organisation_name",
    ])
    .where("case.id", "=", caseId)
    .executeTakeFirstOrThrow();

  const [items, events, unread, sightings, requested] = await Promise.all([
    db.selectFrom("item").select(["kind", "added_at"]).where("case_id", "=", caseId).orderBy("added_at").orderBy("id").execute(),
    db
      .selectFrom("case_event")
      .select(["id", "at", "template", "params", "note_enc", "note_language"])
      .where("case_id", "=", caseId)
      .where("visible_to_requester", "=", 1)
      .orderBy("at")
      .orderBy("id")
      .execute(),
    db
      .selectFrom("message")
      .select((eb) => eb.fn.countAll<number>().as("count"))
      .where("case_id", "=", caseId)
      .where("direction", "=", "to_requester")
      .where("read_at", "is", null)
      .executeTakeFirstOrThrow(),
    // Confirmed matches only; the URL column is deliberately not selected.
    db
      .selectFrom("match")
      .innerJoin("sighting", "sighting.id", "match.sighting_id")
      .leftJoin("provider", "provider.id", "sighting.provider_id")
      .select([
        "sighting.id",
        "sighting.reported_at",
        "sighting.forwarded_to",
        "sighting.forwarded_at",
        "sighting.removal_state",
        "sighting.removed_at",
        "sighting.withheld_until",
        "provider.name as provider_name",
        "provider.country as provider_country",
      ])
      .where("match.case_id", "=", caseId)
      .where("match.state", "=", "confirmed")
      .orderBy("sighting.reported_at")
      .orderBy("sighting.id")
      .execute(),
    // First removal notice per instance of this case.
    db
      .selectFrom("notice_sighting")
      .innerJoin("notice", "notice.id", "notice_sighting.notice_id")
      .select(["notice_sighting.sighting_id", (eb) => eb.fn.min("notice.sent_at").as("first_sent_at")])
      .where("notice.case_id", "=", caseId)
      .groupBy("notice_sighting.sighting_id")
      .execute(),
  ]);
  const requestedAt = new Map(requested.map((r) => [r.sighting_id, r.first_sent_at as string]));

  // One sighting may match several items: count it once.
  const unique = [...new Map(sightings.map((s) => [s.id, s])).values()];
  const instances: InstanceView[] = unique.map((s) =>
    s.withheld_until && s.withheld_until > now
      ? { withheld: true, withheldUntil: s.withheld_until }
      : {
          withheld: false,
          providerName: s.provider_name,
          providerCountry: s.provider_country,
          reportedAt: s.reported_at,
          forwardedTo: JSON.parse(s.forwarded_to) as string[],
          forwardedAt: s.forwarded_at,
          removalState: s.removal_state,
          removedAt: s.removed_at,
          removalRequestedAt: requestedAt.get(s.id) ?? null,
        },
  );
  const disclosed = instances.filter((i): i is Extract<InstanceView, { withheld: false }> => !i.withheld);
  const removed = disclosed.filter((i) => i.removalState === "removed").length;

  let instancesView: InstancesView;
  if (!c.identity_verified_at) instancesView = { level: "unverified" };
  else if (c.disclosure === "outcome")
    instancesView = { level: "outcome", final: FINAL_STATUSES.includes(c.status), total: instances.length, removed };
  else if (c.disclosure === "summary")
    instancesView = {
      level: "summary",
      total: instances.length,
      removed,
      forwarded: disclosed.filter((i) => i.forwardedTo.length > 0).length,
      withheld: instances.length - disclosed.length,
    };
  else instancesView = { level: "full", instances };

  return {
    reference: c.reference,
    status: c.status,
    route: c.route,
    country: c.country,
    organisationName: c.organisation_name,
    receivedAt: c.received_at,
    dueAt: c.extended_due_at ?? c.due_at,
    extended: Boolean(c.extended_due_at),
    closed: Boolean(c.closed_at),
    disclosure: c.disclosure,
    wantsInformation: c.wants_information === 1,
    wantsRemoval: c.wants_removal === 1,
    identityVerified: Boolean(c.identity_verified_at),
    items: items.map((i) => ({ kind: i.kind, addedAt: i.added_at })),
    unreadMessages: Number(unread.count),
    timeline: events.flatMap((e) => {
      const shown = eventAtLevel(e.template, JSON.parse(e.params), c.disclosure);
      if (!shown) return [];
      return [
        {
          id: e.id,
          at: e.at,
          template: shown.template,
          params: shown.params,
          note: e.note_enc ? { text: vault.decrypt(e.note_enc, "case_event.note_enc"), language: e.note_language ?? "" } : null,
        },
      ];
    }),
    instances: instancesView,
  };
}
