import { randomUUID } from "node:crypto";
import { z } from "zod";
import { recordAudit } from "~/audit/audit.server";
import { isCountryCode } from "~/cases/countries";
import type { FieldError } from "~/cases/request";
import type { Services } from "~/context";
import type { Db } from "~/db/db.server";
import type { StaffIdentity } from "~/staff/permissions";
import { parseCsv } from "./csv.server";

/**
 * The providers directory: hosting and online service providers, their
 * country, the point of contact for removal notices (DSA Art. 11/12) and the
 * languages they accept notices in. Administrators edit it; files import it.
 * A provider is known by its name and country (unique together).
 */
export const MAX_PROVIDER_NAME_LENGTH = 200;
export const MAX_PROVIDER_LANGUAGES = 20;

export interface ProviderView {
  id: string;
  name: string;
  country: string;
  removalContact: string | null;
  languages: string[];
  sightings: number;
  updatedAt: string;
}

export interface ProviderInput {
  name?: unknown;
  country?: unknown;
  removalContact?: unknown;
  languages?: unknown;
}

/** "en, nl fr-BE" → ["en", "nl", "fr-BE"]; anything else is kept for the error message. */
export function parseLanguageList(value: unknown): string[] {
  const parts = Array.isArray(value) ? value.map(String) : typeof value === "string" ? value.split(/[\s,;|]+/) : [];
  return [...new Set(parts.map((p) => p.trim()).filter(Boolean).map(normaliseLanguageTag))];
}

function normaliseLanguageTag(tag: string): string {
  const [language, region] = tag.replace("_", "-").split("-");
  return region ? `${language.toLowerCase()}-${region.toUpperCase()}` : language.toLowerCase();
}

const LANGUAGE_TAG = /^[a-z]{2,3}(-[A-Z]{2})?$/;

const providerSchema = z.object({
  name: z
    .string({ required_error: "removal:providers.errors.name", invalid_type_error: "removal:providers.errors.name" })
    .trim()
    .min(1, "removal:providers.errors.name")
    .max(MAX_PROVIDER_NAME_LENGTH, "removal:providers.errors.nameTooLong"),
  country: z
    .string({ required_error: "removal:providers.errors.country", invalid_type_error: "removal:providers.errors.country" })
    .trim()
    .transform((c) => c.toUpperCase())
    .refine(isCountryCode, "removal:providers.errors.country"),
  removalContact: z
    .string({ invalid_type_error: "removal:providers.errors.contact" })
    .trim()
    .max(254, "removal:providers.errors.contact")
    .optional()
    .transform((c) => c || null)
    .refine((c) => c === null || /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(c), "removal:providers.errors.contact"),
  languages: z
    .array(z.string())
    .max(MAX_PROVIDER_LANGUAGES, "removal:providers.errors.languages")
    .refine((list) => list.every((l) => LANGUAGE_TAG.test(l)), "removal:providers.errors.languages"),
});
export type ValidProvider = z.output<typeof providerSchema>;

export function validateProvider(input: ProviderInput): { ok: true; value: ValidProvider } | { ok: false; errors: FieldError[] } {
  const parsed = providerSchema.safeParse({
    name: input.name ?? undefined,
    country: input.country ?? undefined,
    removalContact: input.removalContact ?? undefined,
    languages: parseLanguageList(input.languages),
  });
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, errors: parsed.error.issues.map((i) => ({ field: String(i.path[0] ?? "name"), key: i.message })) };
}

export async function listProviders(services: Pick<Services, "db">): Promise<ProviderView[]> {
  const rows = await services.db
    .selectFrom("provider")
    .selectAll()
    .select((eb) => eb.selectFrom("sighting").select((s) => s.fn.countAll<number>().as("n")).whereRef("sighting.provider_id", "=", "provider.id").as("sightings"))
    .orderBy("name")
    .orderBy("country")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    country: r.country,
    removalContact: r.removal_contact,
    languages: JSON.parse(r.languages) as string[],
    sightings: Number(r.sightings ?? 0),
    updatedAt: r.updated_at ?? r.created_at,
  }));
}

/** Find a provider by name (case and spacing aside) and country. */
export async function findProvider(db: Db, name: string, country: string): Promise<{ id: string } | undefined> {
  const wanted = name.trim().replace(/\s+/g, " ").toLowerCase();
  const rows = await db.selectFrom("provider").select(["id", "name"]).where("country", "=", country.toUpperCase()).execute();
  return rows.find((r) => r.name.trim().replace(/\s+/g, " ").toLowerCase() === wanted);
}

type Actor = { kind: "staff"; user: StaffIdentity } | { kind: "system" };

/**
 * Add a provider, or change the one with that id (or, without an id, the one
 * with that name and country). Returns its id, or the errors by field.
 */
export async function saveProvider(
  services: Pick<Services, "db" | "now" | "vault">,
  input: ProviderInput & { id?: string },
  actor: Actor,
  db: Db = services.db,
): Promise<{ ok: true; id: string; created: boolean; changed: boolean } | { ok: false; errors: FieldError[] }> {
  const valid = validateProvider(input);
  if (!valid.ok) return valid;
  const { country, removalContact, languages } = valid.value;
  const at = services.now().toISOString();
  const run = async (trx: Db) => {
    const sameName = await findProvider(trx, valid.value.name, country);
    if (input.id) {
      const existing = await trx.selectFrom("provider").selectAll().where("id", "=", input.id).executeTakeFirst();
      if (!existing) return { ok: false as const, errors: [{ field: "name", key: "removal:providers.errors.notFound" }] };
      if (sameName && sameName.id !== input.id) return { ok: false as const, errors: [{ field: "name", key: "removal:providers.errors.duplicate" }] };
    }
    const id = input.id ?? sameName?.id;
    if (id) {
      const existing = await trx.selectFrom("provider").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
      // Found by name (an import): its spelling in the directory stays.
      const name = input.id ? valid.value.name : existing.name;
      const changed =
        existing.name !== name || existing.country !== country || existing.removal_contact !== removalContact || existing.languages !== JSON.stringify(languages);
      if (changed) {
        await trx
          .updateTable("provider")
          .set({ name, country, removal_contact: removalContact, languages: JSON.stringify(languages), updated_at: at })
          .where("id", "=", id)
          .execute();
      }
      return { ok: true as const, id, created: false, changed };
    }
    const newId = randomUUID();
    await trx
      .insertInto("provider")
      .values({ id: newId, name: valid.value.name, country, removal_contact: removalContact, languages: JSON.stringify(languages), created_at: at, updated_at: at })
      .execute();
    return { ok: true as const, id: newId, created: true, changed: true };
  };
  const result = db.isTransaction ? await run(db) : await db.transaction().execute(run);
  if (result.ok && result.changed) {
    await recordAudit(
      services,
      {
        actorKind: actor.kind,
        actorId: actor.kind === "staff" ? actor.user.id : null,
        organisationId: actor.kind === "staff" ? actor.user.organisationId : null,
        action: result.created ? "provider.create" : "provider.update",
        details: { providerId: result.id },
      },
      db,
    );
  }
  return result;
}

export interface ImportReport {
  created: number;
  updated: number;
  unchanged: number;
  errors: { line: number; errors: FieldError[] }[];
}

/**
 * Import a directory file: CSV with a header row (name, country,
 * removal_contact, languages — languages separated by spaces, commas or |)
 * or JSON (an array of objects with the same fields; `languages` may be an
 * array). Rows are matched to existing providers by name and country.
 * Each valid row is applied; each bad one is reported with its line (CSV)
 * or position (JSON, from 1).
 */
export async function importProviders(services: Pick<Services, "db" | "now" | "vault">, text: string, format: "csv" | "json"): Promise<ImportReport> {
  const rows = format === "json" ? jsonRows(text) : csvRows(text);
  const report: ImportReport = { created: 0, updated: 0, unchanged: 0, errors: [] };
  for (const { line, record } of rows) {
    if (!record) {
      report.errors.push({ line, errors: [{ field: "file", key: "removal:providers.errors.row" }] });
      continue;
    }
    const result = await saveProvider(
      services,
      { name: record.name, country: record.country, removalContact: record.removal_contact ?? record.removalContact ?? record.contact, languages: record.languages },
      { kind: "system" },
    );
    if (!result.ok) report.errors.push({ line, errors: result.errors });
    else if (result.created) report.created++;
    else if (result.changed) report.updated++;
    else report.unchanged++;
  }
  return report;
}

type Row = { line: number; record: Record<string, unknown> | null };

function jsonRows(text: string): Row[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ProviderFileError("the file is not valid JSON");
  }
  const list = Array.isArray(data) ? data : data && typeof data === "object" && Array.isArray((data as { providers?: unknown }).providers) ? (data as { providers: unknown[] }).providers : null;
  if (!list) throw new ProviderFileError("the JSON must be an array of providers (or an object with a \"providers\" array)");
  return list.map((record, index) => ({ line: index + 1, record: record && typeof record === "object" && !Array.isArray(record) ? (record as Record<string, unknown>) : null }));
}

function csvRows(text: string): Row[] {
  const rows = parseCsv(text);
  const header = rows.shift();
  if (!header) return [];
  const names = header.fields.map((h) => h.trim().toLowerCase().replace(/[\s-]+/g, "_"));
  if (!names.includes("name") || !names.includes("country")) throw new ProviderFileError("the CSV needs a header row with at least the columns name and country");
  return rows
    .filter((r) => r.fields.some((f) => f.trim() !== ""))
    .map((r) => ({ line: r.line, record: Object.fromEntries(names.map((n, i) => [n, r.fields[i] ?? ""])) }));
}

/** A file that cannot be read as a directory at all (as opposed to bad rows). */
export class ProviderFileError extends Error {}
