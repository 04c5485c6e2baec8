import { randomUUID } from "node:crypto";
import { z } from "zod";
import { isCountryCode } from "~/cases/countries";
import { normaliseUrl } from "~/cases/request";
import type { Services } from "~/context";
import type { Db } from "~/db/db.server";
import { REMOVAL_STATES, type ApiScope, type RemovalState, type Sighting } from "~/db/schema";
import { applyRemovals } from "~/notices/removals.server";
import { findProvider } from "./providers.server";
import { advanceSightingSequence, lockSightingSequence } from "./sequence.server";
import { urlHash, withoutFragment } from "./urls.server";

/**
 * Storing sightings (docs/decisions/012-sightings-and-matching.md): the API,
 * the file import and tests all come through `ingestSightings`.
 *
 * A record is keyed by (source organisation, source_ref): the first time it
 * creates a sighting, afterwards it updates it (removal state, forwarding,
 * the law-enforcement hold, the provider) — so a retried batch never
 * duplicates, and removals are reported the same way. Hashes, the address and
 * the report date never change: a record that tries is refused.
 *
 * Every record is validated on its own; the bad ones are reported by index
 * with reasons, the good ones are all written in one transaction, so a
 * failure leaves nothing half-written.
 */
export const MAX_BATCH = 1000;
export const MAX_SOURCE_REF_LENGTH = 200;
export const MAX_AUTHORITY_LENGTH = 200;
export const MAX_AUTHORITIES = 20;
/** Law enforcement may hold information back for up to 18 months. */
export const MAX_WITHHOLD_DAYS = 548;
/** Clocks disagree: a report "from the future" by less than this is accepted. */
const CLOCK_SKEW_MS = 24 * 60 * 60 * 1000;
const EARLIEST = "1990-01-01T00:00:00.000Z";
const CHUNK = 200;

export type ErrorCode =
  | "not_object"
  | "required"
  | "invalid"
  | "unknown_field"
  | "too_long"
  | "no_identifier"
  | "future"
  | "withheld_too_long"
  | "immutable"
  | "unknown_source_ref"
  | "unknown_provider"
  | "scope";

export interface FieldProblem {
  field: string;
  code: ErrorCode;
  message: string;
}

export interface RecordResult {
  index: number;
  source_ref: string;
  status: "created" | "updated" | "unchanged";
  id: string;
}

export interface RecordError {
  index: number;
  source_ref: string | null;
  errors: FieldProblem[];
}

export interface IngestResult {
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  results: RecordResult[];
  errors: RecordError[];
  /** Ids of the sightings created (to match against open cases). */
  createdIds: string[];
  /** Sightings that became removed in this batch. */
  removedIds: string[];
  providersCreated: number;
}

export interface IngestSource {
  organisationId: string;
  scopes: readonly ApiScope[];
  /** For the removal bookkeeping: "api" or "import". */
  via: "api" | "import";
}

/** Control characters have no place in a name or reference (and PostgreSQL refuses NUL in text). */
const CONTROL = /[\u0000-\u001f\u007f]/;
const plain = () => (v: string) => !CONTROL.test(v);

const hex = (length: number, name: string) =>
  z
    .string({ invalid_type_error: `${name} must be a string` })
    .trim()
    .regex(new RegExp(`^[0-9a-fA-F]{${length}}$`), `${name} must be ${length} hexadecimal characters`)
    .transform((v) => v.toLowerCase());

const date = (name: string) =>
  z
    .string({ invalid_type_error: `${name} must be a string` })
    .datetime({ offset: true, message: `${name} must be an ISO 8601 date and time with a time zone, e.g. 2026-11-22T10:00:00Z` })
    .transform((v) => new Date(v).toISOString())
    .refine((v) => v >= EARLIEST, `${name} is before 1990`);

const recordSchema = z
  .object({
    source_ref: z
      .string({ required_error: "source_ref is required", invalid_type_error: "source_ref must be a string" })
      .trim()
      .min(1, "source_ref is required")
      .max(MAX_SOURCE_REF_LENGTH, `source_ref is longer than ${MAX_SOURCE_REF_LENGTH} characters`)
      .refine(plain(), "source_ref must not contain control characters"),
    provider_id: z.string({ invalid_type_error: "provider_id must be a string" }).uuid("provider_id must be a provider's id").nullable().optional(),
    provider: z
      .object(
        {
          name: z
            .string({ required_error: "provider.name is required" })
            .trim()
            .min(1, "provider.name is required")
            .max(200, "provider.name is longer than 200 characters")
            .refine(plain(), "provider.name must not contain control characters"),
          country: z
            .string({ required_error: "provider.country is required" })
            .trim()
            .transform((c) => c.toUpperCase())
            .refine(isCountryCode, "provider.country must be an ISO 3166-1 alpha-2 code"),
        },
        { invalid_type_error: "provider must be an object with name and country" },
      )
      .strict("provider has only name and country")
      .nullable()
      .optional(),
    url: z.string({ invalid_type_error: "url must be a string" }).max(2048, "url is longer than 2048 characters").nullable().optional(),
    pdq: hex(64, "pdq").nullable().optional(),
    pdq_quality: z.number({ invalid_type_error: "pdq_quality must be a number" }).int("pdq_quality must be a whole number").min(0, "pdq_quality must be 0–100").max(100, "pdq_quality must be 0–100").nullable().optional(),
    sha256: hex(64, "sha256").nullable().optional(),
    md5: hex(32, "md5").nullable().optional(),
    reported_at: date("reported_at").optional(),
    forwarded_to: z
      .array(
        z
          .string({ invalid_type_error: "forwarded_to must list names" })
          .trim()
          .min(1, "forwarded_to has an empty name")
          .max(MAX_AUTHORITY_LENGTH, `an authority's name is longer than ${MAX_AUTHORITY_LENGTH} characters`)
          .refine(plain(), "an authority's name must not contain control characters"),
        { invalid_type_error: "forwarded_to must be an array of authorities' names" },
      )
      .max(MAX_AUTHORITIES, `forwarded_to lists more than ${MAX_AUTHORITIES} authorities`)
      .optional(),
    forwarded_at: date("forwarded_at").nullable().optional(),
    removal_state: z.enum(REMOVAL_STATES, { errorMap: () => ({ message: `removal_state must be one of ${REMOVAL_STATES.join(", ")}` }) }).optional(),
    removed_at: date("removed_at").nullable().optional(),
    withheld_until: date("withheld_until").nullable().optional(),
  })
  .strict();
type ParsedRecord = z.output<typeof recordSchema>;

function problemsOf(error: z.ZodError): FieldProblem[] {
  return error.issues.flatMap((issue): FieldProblem[] => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ field: issue.path.length ? `${issue.path.join(".")}.${key}` : key, code: "unknown_field" as const, message: `${key} is not a field of a sighting` }));
    }
    const field = issue.path.join(".") || "record";
    let code: ErrorCode = "invalid";
    if (issue.code === "invalid_type" && issue.received === "undefined") code = "required";
    else if (issue.code === "too_big" && issue.type === "string") code = "too_long";
    return [{ field, code, message: issue.message }];
  });
}

/** Validate one record's shape and values (what needs the database comes later). */
export function parseRecord(input: unknown, now: Date): { ok: true; value: ParsedRecord } | { ok: false; sourceRef: string | null; errors: FieldProblem[] } {
  const sourceRef = input && typeof input === "object" && typeof (input as { source_ref?: unknown }).source_ref === "string" ? (input as { source_ref: string }).source_ref.trim() : null;
  if (!input || typeof input !== "object" || Array.isArray(input)) return { ok: false, sourceRef: null, errors: [{ field: "record", code: "not_object", message: "a sighting must be a JSON object" }] };
  const parsed = recordSchema.safeParse(input);
  if (!parsed.success) return { ok: false, sourceRef, errors: problemsOf(parsed.error) };
  const value = parsed.data;
  const errors: FieldProblem[] = [];
  if (value.url !== undefined && value.url !== null) {
    const url = normaliseUrl(value.url.trim());
    if (!url) errors.push({ field: "url", code: "invalid", message: "url must be an http or https address" });
    // The fragment never leaves the browser: it is not part of where the material is.
    else value.url = withoutFragment(url);
  }
  const latest = new Date(now.getTime() + CLOCK_SKEW_MS).toISOString();
  for (const field of ["reported_at", "forwarded_at", "removed_at"] as const) {
    const v = value[field];
    if (v && v > latest) errors.push({ field, code: "future", message: `${field} is in the future` });
  }
  if (value.pdq_quality !== undefined && value.pdq_quality !== null && !value.pdq) errors.push({ field: "pdq_quality", code: "invalid", message: "pdq_quality needs a pdq" });
  if (value.provider_id && value.provider) errors.push({ field: "provider", code: "invalid", message: "give provider_id or provider, not both" });
  if (errors.length) return { ok: false, sourceRef, errors };
  return { ok: true, value };
}



const MUTABLE = ["provider_id", "forwarded_to", "forwarded_at", "removal_state", "removed_at", "withheld_until"] as const;
const IMMUTABLE = ["url", "pdq", "pdq_quality", "sha256", "md5", "reported_at"] as const;

type Row = Sighting;

/**
 * Store a batch of sightings for one source. Records may be anything (the
 * API passes the parsed JSON as it came): each is checked on its own.
 */
export async function ingestSightings(services: Pick<Services, "db" | "now" | "vault">, source: IngestSource, records: readonly unknown[]): Promise<IngestResult> {
  const now = services.now();
  const at = now.toISOString();
  const result: IngestResult = { created: 0, updated: 0, unchanged: 0, rejected: 0, results: [], errors: [], createdIds: [], removedIds: [], providersCreated: 0 };
  const parsed = records.map((record) => parseRecord(record, now));
  const may = (scope: ApiScope) => source.scopes.includes(scope);

  await services.db.transaction().execute(async (trx) => {
    const last = await lockSightingSequence(trx);
    const refs = [...new Set(parsed.flatMap((p) => (p.ok ? [p.value.source_ref] : [])))];
    const known = new Map<string, { row: Row; stored: boolean; changed: boolean }>();
    for (let i = 0; i < refs.length; i += CHUNK) {
      const rows = await trx
        .selectFrom("sighting")
        .selectAll()
        .where("source_organisation_id", "=", source.organisationId)
        .where("source_ref", "in", refs.slice(i, i + CHUNK))
        .execute();
      for (const row of rows) known.set(row.source_ref, { row, stored: true, changed: false });
    }
    const providers = await providerResolver(trx, at, () => result.providersCreated++);
    const removed = new Map<string, string>();
    const inserts: Row[] = [];

    for (const [index, entry] of parsed.entries()) {
      if (!entry.ok) {
        result.errors.push({ index, source_ref: entry.sourceRef, errors: entry.errors });
        continue;
      }
      const record = entry.value;
      const reject = (errors: FieldProblem[]) => result.errors.push({ index, source_ref: record.source_ref, errors });
      let providerId: string | null | undefined;
      if (record.provider_id !== undefined || record.provider !== undefined) {
        const resolved = await providers(record);
        if (resolved === "unknown") {
          reject([{ field: "provider_id", code: "unknown_provider", message: "no provider with this id in the directory" }]);
          continue;
        }
        providerId = resolved;
      }
      const existing = known.get(record.source_ref);

      if (!existing) {
        const problems: FieldProblem[] = [];
        if (!may("sightings:write")) problems.push({ field: "record", code: "scope", message: "this key may not report new sightings (scope sightings:write)" });
        const isUpdateOnly = !record.reported_at && !record.url && !record.pdq && !record.sha256 && !record.md5;
        if (isUpdateOnly) {
          reject([{ field: "source_ref", code: "unknown_source_ref", message: "no sighting with this source_ref to update; a new sighting needs reported_at and a url or hash" }]);
          continue;
        }
        if (!record.reported_at) problems.push({ field: "reported_at", code: "required", message: "reported_at is required for a new sighting" });
        if (!record.url && !record.pdq && !record.sha256 && !record.md5) problems.push({ field: "record", code: "no_identifier", message: "a sighting needs a url, pdq, sha256 or md5" });
        const state: RemovalState = record.removal_state ?? "online";
        const holdProblem = withholdProblem(record.withheld_until ?? null, record.reported_at ?? at);
        if (holdProblem) problems.push(holdProblem);
        if (problems.length) {
          reject(problems);
          continue;
        }
        const row: Row = {
          id: randomUUID(),
          source_organisation_id: source.organisationId,
          source_ref: record.source_ref,
          provider_id: providerId ?? null,
          url: record.url ?? null,
          url_hash: record.url ? urlHash(record.url) : null,
          pdq: record.pdq ?? null,
          pdq_quality: record.pdq_quality ?? null,
          sha256: record.sha256 ?? null,
          md5: record.md5 ?? null,
          reported_at: record.reported_at!,
          forwarded_to: JSON.stringify(record.forwarded_to ?? []),
          forwarded_at: record.forwarded_at ?? null,
          removal_state: state,
          removed_at: state === "removed" ? (record.removed_at ?? at) : null,
          withheld_until: record.withheld_until ?? null,
          created_at: at,
          seq: 0,
          updated_at: null,
          matched_at: null,
        };
        inserts.push(row);
        known.set(record.source_ref, { row, stored: false, changed: false });
        result.results.push({ index, source_ref: record.source_ref, status: "created", id: row.id });
        result.created++;
        continue;
      }

      // An update (or a retry) of a sighting this source reported before.
      const row = existing.row;
      const immutable = IMMUTABLE.filter((field) => record[field] !== undefined && record[field] !== row[field]);
      if (immutable.length) {
        reject(immutable.map((field) => ({ field, code: "immutable" as const, message: `${field} differs from the sighting stored for this source_ref and cannot change` })));
        continue;
      }
      const next: Partial<Row> = {};
      if (providerId !== undefined && providerId !== row.provider_id) next.provider_id = providerId;
      if (record.forwarded_to !== undefined && JSON.stringify(record.forwarded_to) !== row.forwarded_to) next.forwarded_to = JSON.stringify(record.forwarded_to);
      if (record.forwarded_at !== undefined && record.forwarded_at !== row.forwarded_at) next.forwarded_at = record.forwarded_at;
      if (record.withheld_until !== undefined && record.withheld_until !== row.withheld_until) next.withheld_until = record.withheld_until;
      if (record.removal_state !== undefined && record.removal_state !== row.removal_state) {
        next.removal_state = record.removal_state;
        next.removed_at = record.removal_state === "removed" ? (record.removed_at ?? at) : null;
      } else if (record.removed_at !== undefined && row.removal_state === "removed" && record.removed_at !== row.removed_at && record.removed_at !== null) {
        next.removed_at = record.removed_at;
      }
      const changes = MUTABLE.filter((field) => field in next);
      if (changes.length === 0) {
        result.results.push({ index, source_ref: record.source_ref, status: "unchanged", id: row.id });
        result.unchanged++;
        continue;
      }
      if (!may("removals:write") && !may("sightings:write")) {
        reject([{ field: "record", code: "scope", message: "this key may not change sightings (scope removals:write)" }]);
        continue;
      }
      const holdProblem = next.withheld_until !== undefined ? withholdProblem(next.withheld_until, row.reported_at) : null;
      if (holdProblem) {
        reject([holdProblem]);
        continue;
      }
      const becameRemoved = next.removal_state === "removed" && row.removal_state !== "removed";
      Object.assign(row, next);
      if (existing.stored) {
        existing.changed = true;
        row.updated_at = at;
        if (becameRemoved) removed.set(row.id, row.removed_at!);
      }
      result.results.push({ index, source_ref: record.source_ref, status: "updated", id: row.id });
      result.updated++;
    }

    const first = await advanceSightingSequence(trx, last, inserts.length);
    inserts.forEach((row, i) => (row.seq = first + i));
    for (let i = 0; i < inserts.length; i += CHUNK) await trx.insertInto("sighting").values(inserts.slice(i, i + CHUNK)).execute();
    for (const { row, changed } of known.values()) {
      if (!changed) continue;
      await trx
        .updateTable("sighting")
        .set({
          provider_id: row.provider_id,
          forwarded_to: row.forwarded_to,
          forwarded_at: row.forwarded_at,
          removal_state: row.removal_state,
          removed_at: row.removed_at,
          withheld_until: row.withheld_until,
          updated_at: row.updated_at,
        })
        .where("id", "=", row.id)
        .execute();
    }
    if (removed.size) {
      await applyRemovals(services, trx, [...removed].map(([sightingId, removedAt]) => ({ sightingId, removedAt })), source.via);
    }
    result.createdIds = inserts.map((r) => r.id);
    result.removedIds = [...removed.keys()];
  });

  result.rejected = result.errors.length;
  result.results.sort((a, b) => a.index - b.index);
  return result;
}

function withholdProblem(until: string | null, reportedAt: string): FieldProblem | null {
  if (!until) return null;
  const limit = new Date(Date.parse(reportedAt) + MAX_WITHHOLD_DAYS * 86_400_000).toISOString();
  return until > limit ? { field: "withheld_until", code: "withheld_too_long", message: "information may be held back for at most 18 months after the report" } : null;
}

/** Resolve a record's provider: an id of the directory, or a name and country (added to the directory when new). */
async function providerResolver(trx: Db, at: string, onCreate: () => void) {
  const byId = new Map<string, boolean>();
  const byName = new Map<string, string>();
  return async (record: ParsedRecord): Promise<string | null | "unknown"> => {
    if (record.provider_id === null || record.provider === null) return null;
    if (record.provider_id) {
      if (!byId.has(record.provider_id)) {
        const row = await trx.selectFrom("provider").select("id").where("id", "=", record.provider_id).executeTakeFirst();
        byId.set(record.provider_id, Boolean(row));
      }
      return byId.get(record.provider_id) ? record.provider_id : "unknown";
    }
    const { name, country } = record.provider!;
    const key = `${country}\u0000${name.replace(/\s+/g, " ").toLowerCase()}`;
    let id = byName.get(key);
    if (!id) {
      id = (await findProvider(trx, name, country))?.id;
      if (!id) {
        id = randomUUID();
        await trx
          .insertInto("provider")
          .values({ id, name: name.replace(/\s+/g, " "), country, removal_contact: null, languages: "[]", created_at: at, updated_at: at })
          .execute();
        onCreate();
      }
      byName.set(key, id);
    }
    return id;
  };
}
