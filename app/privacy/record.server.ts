import { annotations, type DataCategory, type LawfulBasis, type TableAnnotation } from "./annotations";
import { DEFAULT_RETENTION, type RetentionPolicy } from "./retention.server";

/**
 * The record of processing activities (GDPR Art. 30(1)), generated from the
 * privacy annotations of every table and column, so it cannot drift from
 * the schema: `npx reclaim privacy:record` prints it, and the administrators'
 * pages can show the same Markdown.
 */

const CATEGORY: Record<DataCategory, string> = {
  identity: "Identity (who someone is)",
  contact: "Contact details",
  special: "Special categories (GDPR Art. 9 and 10: sex life, crimes against the person; everything about a case)",
  case: "Case content that is not itself about a person",
  operational: "Operational (configuration and bookkeeping, no personal data)",
  security: "Security (sessions, credentials, rate limits, audit)",
};

const BASIS: Record<LawfulBasis, string> = {
  "public-task": "Task in the public interest (GDPR Art. 6(1)(e)); for special categories, substantial public interest (Art. 9(2)(g)) under the Union or national law that gives victims these rights",
  "legal-obligation": "Legal obligation (Art. 6(1)(c)): accountability and security of processing (Art. 5(2), 24, 32)",
  consent: "Consent (Art. 6(1)(a), 9(2)(a)): the person's own choice, withdrawable at any time from their status page",
  "legitimate-interest": "Legitimate interest in the security of the service (Art. 6(1)(f))",
  none: "No personal data",
};

export interface RecordOptions {
  policy?: RetentionPolicy;
  /** Name and contact of the controller (and of its DPO), when known. */
  controller?: string;
  /** Defaults to the annotations; tests pass their own. */
  tables?: Record<string, TableAnnotation>;
}

const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");

/** The record as blocks, for the administrators' page; `recordOfProcessing` is the same as Markdown. */
export type RecordBlock =
  | { kind: "h1" | "h2" | "h3" | "p"; text: string }
  | { kind: "ul"; items: string[] }
  | { kind: "table"; head: string[]; rows: string[][] };

export function recordOfProcessingBlocks({ policy = DEFAULT_RETENTION, controller, tables = annotations }: RecordOptions = {}): RecordBlock[] {
  const entries = Object.entries(tables);
  const columns = entries.flatMap(([table, a]) => Object.entries(a.columns).map(([column, c]) => ({ table, column, ...c })));
  const personal = columns.filter((c) => c.basis !== "none");
  const h = (kind: "h1" | "h2" | "h3", text: string): RecordBlock => ({ kind, text });
  const p = (text: string): RecordBlock => ({ kind: "p", text });
  const ul = (items: string[]): RecordBlock => ({ kind: "ul", items });

  return [
    h("h1", "Record of processing activities (GDPR Art. 30)"),
    p(`Generated from the privacy annotations of the schema (${entries.length} tables, ${columns.length} columns, ${columns.filter((c) => c.encrypted).length} encrypted per field). Every column of the database is listed below; a test fails when one has no annotation.`),
    h("h2", "Controller"),
    p(
      controller ??
        "The organisation that runs this instance of Reclaim (a national coordinating authority, the EU Centre or a partner hotline). Fill in its name and contact details and those of its data protection officer.",
    ),
    h("h2", "Purposes of the processing"),
    p(
      "Helping people whose child sexual abuse imagery circulates online to learn where it was found and to have it removed (Articles 20 and 21 of the proposed regulation COM(2022) 209, and a voluntary route for people outside the EU), with the security and accountability that processing needs:",
    ),
    ul(entries.map(([table, a]) => `**${table}**: ${a.purpose}`)),
    h("h2", "Categories of data subjects"),
    ul([
      "People depicted in the material (victims and survivors, often children when the material was made).",
      "People acting for them: parents, guardians, legal representatives, support workers (relation recorded per case).",
      "Staff of the organisations that handle or file requests.",
    ]),
    h("h2", "Categories of personal data"),
    ul(
      (Object.keys(CATEGORY) as DataCategory[]).flatMap((category) => {
        const inCategory = columns.filter((c) => c.category === category);
        return inCategory.length ? [`**${CATEGORY[category]}**: ${inCategory.map((c) => `\`${c.table}.${c.column}\``).join(", ")}`] : [];
      }),
    ),
    h("h2", "Lawful bases"),
    ul(
      (Object.keys(BASIS) as LawfulBasis[]).flatMap((basis) => {
        const n = columns.filter((c) => c.basis === basis).length;
        return n ? [`${BASIS[basis]}: ${n} columns.`] : [];
      }),
    ),
    h("h2", "Recipients"),
    ul([
      "The organisation handling the request (its caseworkers, by role and organisation; every view and change is audited).",
      "A support organisation that filed the request with a recorded mandate, within that mandate.",
      "Hosting providers receive removal notices naming the material's location and the sender; never the requester's identity or contact details.",
      "Law enforcement authorities only as the law requires; the requester is told which authorities reports were forwarded to.",
    ]),
    h("h2", "Transfers to third countries"),
    p("None by the portal itself. Requesters may live outside the EU; their data stays on the controller's servers. Notices to providers outside the EU contain no personal data of the requester."),
    h("h2", "Time limits for erasure"),
    ul([
      "Unfinished requests: 24 hours after the last step.",
      "Requester and staff sessions, sign-in rate-limit counters: when they expire (30 minutes idle; one hour).",
      `Withdrawn cases: ${policy.withdrawnDays} days after withdrawal; completed or rejected cases: ${policy.closedDays} days after closing. Then identity, contact, messages, items and timeline are deleted and the case is reduced to anonymous statistics.`,
      "On the requester's erasure request: at once (the same reduction), except under a legal hold, when only contact details go at once and the rest when the hold ends.",
      `E-mails: ${policy.mailDays} days after delivery.`,
      `Audit rows: ${policy.auditDays} days, oldest first.`,
      "A legal hold on a case suspends these limits for that case, with a recorded reason.",
    ]),
    h("h2", "Technical and organisational security measures (Art. 32)"),
    ul([
      "Identity, contact details, messages, notes and reasons are encrypted per field (AES-256-GCM, key id stored with each value, keys rotated with `npx reclaim keys:rotate`); look-ups use keyed blind indexes (HMAC-SHA-256), never plaintext.",
      "No images are ever received: files are hashed on the person's device. Requesters are never shown a location of material.",
      "Requesters have no account: a reference and a secret (argon2id hash only); guessing is rate-limited. Staff sign in with a second factor.",
      "Sessions expire after 30 minutes without use; cookies are HttpOnly, SameSite=Strict and Secure.",
      "Logs carry no personal data (a test runs the whole request flow and searches the logs).",
      "The audit log is append-only and hash-chained; `npx reclaim audit:verify` checks it.",
      "Retention is enforced daily by the server (`npx reclaim retention:run`).",
    ]),
    h("h2", "Tables and columns"),
    ...entries.flatMap(([table, a]): RecordBlock[] => [
      h("h3", table),
      p(a.purpose),
      {
        kind: "table",
        head: ["column", "purpose", "category", "lawful basis", "retention", "encrypted"],
        rows: Object.entries(a.columns).map(([column, c]) => [`\`${column}\``, c.purpose, c.category, c.basis, c.retention, c.encrypted ? "yes" : "no"]),
      },
    ]),
    p(`${personal.length} of ${columns.length} columns hold or link to personal data.`),
  ];
}

/** The record as Markdown (what `npx reclaim privacy:record` prints). */
export function recordOfProcessing(options: RecordOptions = {}): string {
  const lines: string[] = [];
  for (const block of recordOfProcessingBlocks(options)) {
    if (block.kind === "ul") lines.push(...block.items.map((item) => `- ${item}`), "");
    else if (block.kind !== "table") lines.push(`${{ h1: "# ", h2: "## ", h3: "### ", p: "" }[block.kind]}${block.text}`, "");
    else lines.push(`| ${block.head.join(" | ")} |`, `|${block.head.map(() => "---|").join("")}`, ...block.rows.map((row) => `| ${row.map(cell).join(" | ")} |`), "");
  }
  return lines.join("\n");
}
