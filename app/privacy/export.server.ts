import type { TFunction } from "i18next";
import { countryName } from "~/cases/countries";
import { groupDigits } from "~/cases/format";
import { getCaseStatus, type InstanceView, type InstancesView } from "~/cases/status.server";
import { formatDate } from "~/components/ui/dates";
import type { Services } from "~/context";
import type { ItemKind } from "~/db/schema";
import { nativeLanguageName } from "~/i18n/config";
import { annotations, type LawfulBasis } from "./annotations";
import { retentionPolicy } from "./retention.server";

/**
 * The requester's copy of everything held about the case and about them
 * (GDPR Art. 15), in their language: the readable page and the JSON file are
 * made from this one document, so they always agree.
 *
 * What it never contains, by design: a location of abuse material (the
 * instances come from getCaseStatus, which has no URL field at all), the web
 * addresses and free-text references the person gave (shown as kinds and
 * dates only: a stolen receipt must not lead to the material), and what
 * the person chose not to be told (their disclosure level binds us).
 */

export interface ExportField {
  label: string;
  value: string;
  /** The value's own language, when it is someone's own words. */
  lang?: string;
}
export interface ExportEntry {
  heading?: string;
  fields: ExportField[];
}
export interface ExportSection {
  id: string;
  title: string;
  intro: string[];
  fields: ExportField[];
  entries: ExportEntry[];
  /** Shown before details the person may not want to read at once (the page folds them). */
  contentNote?: string;
}

export interface CaseExport {
  format: "reclaim-case-export/1";
  language: string;
  generatedAt: string;
  title: string;
  lead: string;
  sections: ExportSection[];
  /** The same, as codes and ISO dates, for software. */
  data: {
    case: Record<string, string | boolean | null>;
    contact: { method: string; email: string | null; organisation: string | null };
    timeline: Array<{ at: string; event: string; params: Record<string, string | number>; note: string | null; noteLanguage: string | null }>;
    items: Array<{ kind: ItemKind; addedAt: string; addedBy: string; value: string | null }>;
    instances: InstancesView;
    messages: Array<{ sentAt: string; from: "you" | "caseworker"; language: string; body: string }>;
    processing: Array<{ data: string; basis: LawfulBasis[]; encrypted: boolean }>;
  };
}

/** Hashes identify a file but cannot be turned back into it: they are shown; addresses and references are not. */
const SHOWN_KINDS: ItemKind[] = ["pdq", "sha256", "md5"];

/** The tables that hold something about a requester and their case, in the order a person reads them. */
const ABOUT_YOU = ["subject", "case", "item", "case_event", "message", "match", "notice", "mandate", "outbox", "case_session", "audit_log", "case_statistics"] as const;

export async function buildCaseExport(services: Services, caseId: string, t: TFunction, language: string): Promise<CaseExport> {
  const { db, vault } = services;
  const status = await getCaseStatus(services, caseId);
  const policy = retentionPolicy(services.env);
  const c = await db
    .selectFrom("case")
    .innerJoin("subject", "subject.id", "case.subject_id")
    .select([
      "case.relation",
      "case.contact_method",
      "case.closed_at",
      "case.retention_until",
      "case.legal_hold",
      "case.legal_hold_at",
      "case.erasure_requested_at",
      "case.language",
      "subject.email_enc",
      "subject.contact_organisation_enc",
    ])
    .where("case.id", "=", caseId)
    .executeTakeFirstOrThrow();
  const [items, messages] = await Promise.all([
    db.selectFrom("item").select(["kind", "value", "added_at", "added_by"]).where("case_id", "=", caseId).orderBy("added_at").orderBy("id").execute(),
    db.selectFrom("message").select(["direction", "body_enc", "language", "sent_at"]).where("case_id", "=", caseId).orderBy("sent_at").orderBy("id").execute(),
  ]);
  const email = c.email_enc ? vault.decrypt(c.email_enc, "subject.email_enc") : null;
  const organisation = c.contact_organisation_enc ? vault.decrypt(c.contact_organisation_enc, "subject.contact_organisation_enc") : null;
  const date = (iso: string) => formatDate(iso, language);
  const yesNo = (value: boolean) => t(value ? "privacy:export.yes" : "privacy:export.no");
  const now = services.now().toISOString();
  const days = (count: number) => t("privacy:days", { count });

  const request: ExportSection = {
    id: "request",
    title: t("privacy:export.request.title"),
    intro: [],
    entries: [],
    fields: [
      { label: t("privacy:export.request.reference"), value: groupDigits(status.reference) },
      { label: t("privacy:export.request.status"), value: t(`case:statuses.${status.status}`) },
      { label: t("privacy:export.request.handledBy"), value: status.organisationName },
      { label: t("privacy:export.request.received"), value: date(status.receivedAt) },
      ...(c.closed_at
        ? [{ label: t("privacy:export.request.closed"), value: date(c.closed_at) }]
        : [{ label: t("privacy:export.request.due"), value: date(status.dueAt) }]),
      { label: t("privacy:export.request.route"), value: t(`case:route.${status.route}`, { country: countryName(status.country, language) }) },
      { label: t("privacy:export.request.relation"), value: t(`privacy:relations.${c.relation}`) },
      { label: t("privacy:export.request.wantsInformation"), value: yesNo(status.wantsInformation) },
      { label: t("privacy:export.request.wantsRemoval"), value: yesNo(status.wantsRemoval) },
      { label: t("privacy:export.request.disclosure"), value: t(`case:levels.${status.disclosure}`) },
      { label: t("privacy:export.request.language"), value: nativeLanguageName(c.language) },
      { label: t("privacy:export.request.identityVerified"), value: yesNo(status.identityVerified) },
      {
        label: t("privacy:export.request.keptUntil"),
        value: c.legal_hold
          ? t("privacy:export.request.keptHeld")
          : c.retention_until
            ? date(c.retention_until)
            : t("privacy:export.request.keptWhileOpen", { period: days(status.status === "withdrawn" ? policy.withdrawnDays : policy.closedDays) }),
      },
      ...(c.legal_hold && c.legal_hold_at ? [{ label: t("privacy:export.request.legalHold"), value: t("privacy:export.request.legalHoldSince", { date: date(c.legal_hold_at) }) }] : []),
      ...(c.erasure_requested_at ? [{ label: t("privacy:export.request.erasureRequested"), value: date(c.erasure_requested_at) }] : []),
    ],
  };

  const contact: ExportSection = {
    id: "contact",
    title: t("privacy:export.contact.title"),
    intro: [],
    entries: [],
    fields: [
      { label: t("privacy:export.contact.method"), value: t(`request:contact.options.${c.contact_method}`) },
      ...(email ? [{ label: t("privacy:export.contact.email"), value: email, lang: "" }] : []),
      ...(organisation ? [{ label: t("privacy:export.contact.organisation"), value: organisation }] : []),
    ],
  };

  const timeline: ExportSection = {
    id: "timeline",
    title: t("privacy:export.timeline.title"),
    intro: status.disclosure === "full" ? [] : [t("privacy:export.timeline.chosenLevel", { level: t(`case:levels.${status.disclosure}`) })],
    fields: [],
    entries: status.timeline.map((entry) => ({
      heading: date(entry.at),
      fields: [
        { label: t("privacy:export.timeline.what"), value: t(`case:events.${entry.template}`, { ...entry.params, level: entry.params.level ? t(`case:levels.${entry.params.level}`) : undefined }) },
        ...(entry.note ? [{ label: t("privacy:export.timeline.note"), value: entry.note.text, lang: entry.note.language }] : []),
      ],
    })),
  };

  const itemsSection: ExportSection = {
    id: "items",
    title: t("privacy:export.items.title"),
    intro: [t("privacy:export.items.explain")],
    fields: [],
    entries: items.map((item) => ({
      fields: [
        { label: t("privacy:export.items.kind"), value: t(`privacy:export.items.kinds.${item.kind}`) },
        { label: t("privacy:export.items.added"), value: date(item.added_at) },
        { label: t("privacy:export.items.addedBy"), value: t(`privacy:export.items.by.${item.added_by}`) },
        { label: t("privacy:export.items.value"), value: SHOWN_KINDS.includes(item.kind) ? item.value : t("privacy:export.items.hidden"), lang: SHOWN_KINDS.includes(item.kind) ? "" : undefined },
      ],
    })),
  };

  const instances = instancesSection(status.instances, t, language);

  const messagesSection: ExportSection = {
    id: "messages",
    title: t("privacy:export.messages.title"),
    intro: messages.length ? [] : [t("privacy:export.messages.none")],
    fields: [],
    entries: messages.map((m) => ({
      heading: date(m.sent_at),
      fields: [
        { label: t("privacy:export.messages.from"), value: t(m.direction === "from_requester" ? "case:messages.fromYou" : "case:messages.fromCaseworker") },
        { label: t("privacy:export.messages.body"), value: vault.decrypt(m.body_enc, "message.body_enc"), lang: m.language },
      ],
    })),
  };

  const processingRows = ABOUT_YOU.filter((table) => annotations[table]).map((table) => {
    const columns = Object.values(annotations[table].columns);
    const basis = [...new Set(columns.map((col) => col.basis).filter((b): b is Exclude<LawfulBasis, "none"> => b !== "none"))];
    return { data: table, basis, encrypted: columns.some((col) => col.encrypted) };
  });
  const processing: ExportSection = {
    id: "processing",
    title: t("privacy:export.processing.title"),
    intro: [t("privacy:export.processing.lead")],
    fields: [],
    entries: processingRows.map((row) => ({
      heading: t(`privacy:processing.${row.data}.what`),
      fields: [
        { label: t("privacy:export.processing.purpose"), value: t(`privacy:processing.${row.data}.purpose`) },
        { label: t("privacy:export.processing.basis"), value: row.basis.length ? row.basis.map((b) => t(`privacy:bases.${b}`)).join(" ") : t("privacy:bases.none") },
        {
          label: t("privacy:export.processing.retention"),
          value: t(`privacy:processing.${row.data}.retention`, {
            withdrawn: days(policy.withdrawnDays),
            closed: days(policy.closedDays),
            mail: days(policy.mailDays),
            audit: days(policy.auditDays),
          }),
        },
        { label: t("privacy:export.processing.encrypted"), value: yesNo(row.encrypted) },
      ],
    })),
  };

  const rights: ExportSection = {
    id: "rights",
    title: t("privacy:export.rights.title"),
    intro: [t("privacy:export.rights.rectify"), t("privacy:export.rights.erase"), t("privacy:export.rights.withdraw"), t("privacy:export.rights.complain")],
    fields: [],
    entries: [],
  };

  return {
    format: "reclaim-case-export/1",
    language,
    generatedAt: now,
    title: t("privacy:export.title"),
    lead: t("privacy:export.generated", { date: date(now) }),
    sections: [request, contact, timeline, itemsSection, instances, messagesSection, processing, rights],
    data: {
      case: {
        reference: status.reference,
        status: status.status,
        route: status.route,
        country: status.country,
        relation: c.relation,
        organisation: status.organisationName,
        receivedAt: status.receivedAt,
        dueAt: status.dueAt,
        closedAt: c.closed_at,
        wantsInformation: status.wantsInformation,
        wantsRemoval: status.wantsRemoval,
        disclosure: status.disclosure,
        language: c.language,
        identityVerified: status.identityVerified,
        retentionUntil: c.retention_until,
        legalHold: c.legal_hold === 1,
        erasureRequestedAt: c.erasure_requested_at,
      },
      contact: { method: c.contact_method, email, organisation },
      timeline: status.timeline.map((e) => ({ at: e.at, event: e.template, params: e.params, note: e.note?.text ?? null, noteLanguage: e.note?.language ?? null })),
      items: items.map((i) => ({ kind: i.kind, addedAt: i.added_at, addedBy: i.added_by, value: SHOWN_KINDS.includes(i.kind) ? i.value : null })),
      instances: status.instances,
      messages: messages.map((m) => ({
        sentAt: m.sent_at,
        from: m.direction === "from_requester" ? "you" : "caseworker",
        language: m.language,
        body: vault.decrypt(m.body_enc, "message.body_enc"),
      })),
      processing: processingRows,
    },
  };
}

function instancesSection(view: InstancesView, t: TFunction, language: string): ExportSection {
  const section: ExportSection = { id: "instances", title: t("case:instances.title"), intro: [], fields: [], entries: [] };
  switch (view.level) {
    case "unverified":
      section.intro.push(t("case:instances.unverified"));
      break;
    case "outcome":
      section.intro.push(view.final ? t("case:instances.outcome", { count: view.total, removed: view.removed }) : t("case:instances.outcomePending"));
      break;
    case "summary":
      section.intro.push(
        t("case:instances.summaryFound", { count: view.total }),
        t("case:instances.summaryRemoved", { count: view.removed }),
        t("case:instances.summaryForwarded", { count: view.forwarded }),
        ...(view.withheld ? [t("case:instances.summaryWithheld", { count: view.withheld })] : []),
      );
      break;
    case "full":
      if (view.instances.length === 0) section.intro.push(t("case:instances.none"));
      else {
        section.contentNote = t("case:instances.contentNote");
        section.entries = view.instances.map((instance) => ({ fields: instanceFields(instance, t, language) }));
      }
  }
  return section;
}

function instanceFields(instance: InstanceView, t: TFunction, language: string): ExportField[] {
  const date = (iso: string) => formatDate(iso, language);
  if (instance.withheld) return [{ label: t("privacy:export.instances.withheld"), value: t("case:instances.withheld", { date: date(instance.withheldUntil) }) }];
  const authorities = new Intl.ListFormat(language, { type: "conjunction" }).format(instance.forwardedTo);
  return [
    { label: t("case:instances.provider"), value: instance.providerName ?? t("case:instances.unknown") },
    { label: t("case:instances.providerCountry"), value: instance.providerCountry ? countryName(instance.providerCountry, language) : t("case:instances.unknown") },
    { label: t("case:instances.reportedAt"), value: date(instance.reportedAt) },
    {
      label: t("case:instances.forwarded"),
      value: instance.forwardedTo.length
        ? instance.forwardedAt
          ? t("case:instances.forwardedTo", { authorities, date: date(instance.forwardedAt) })
          : t("case:instances.forwardedToNoDate", { authorities })
        : t("case:instances.notForwarded"),
    },
    {
      label: t("case:instances.removal"),
      value:
        instance.removalState === "removed"
          ? instance.removedAt
            ? t("case:instances.removedOn", { date: date(instance.removedAt) })
            : t("case:instances.removed")
          : instance.removalState === "online"
            ? t("case:instances.notRemoved")
            : t("case:instances.removalUnknown"),
    },
  ];
}
