import { readFile } from "node:fs/promises";
import type { Services } from "~/context";
import { migrateToLatest } from "~/db/migrate.server";
import { API_SCOPES } from "~/db/schema";
import { loadEnv } from "~/env.server";
import { resources } from "~/i18n/i18next.server";
import { createServices } from "~/services.server";
import { createApiKey, listApiKeys, parseScopes, revokeApiKey } from "~/sightings/api-keys.server";
import { detectFormat, ImportFileError, importSightingsFile, type ImportFormat, type ImportProgress } from "~/sightings/import.server";
import { importProviders, ProviderFileError } from "~/sightings/providers.server";
import { findOrganisation } from "~/staff/organisations.server";
import type { Command, CommandIo } from "./commands.server";

/**
 * The sightings commands: the providers directory, API keys of reporting
 * organisations, and importing files of sightings.
 */
async function withServices<T>(run: (services: Services) => Promise<T>): Promise<T> {
  const services = createServices(loadEnv(process.env, () => {}));
  try {
    await migrateToLatest(services.db);
    return await run(services);
  } finally {
    await services.db.destroy();
  }
}

const text = (value: CommandIo["values"][string]): string | undefined => (typeof value === "string" ? value : undefined);

/** The English text of a translation key ("removal:providers.errors.name"), for the terminal. */
function english(key: string): string {
  const [ns, path] = key.includes(":") ? key.split(":") : ["removal", key];
  const node = path.split(".").reduce<unknown>((n, part) => (n as Record<string, unknown> | undefined)?.[part], resources.en?.[ns]);
  return typeof node === "string" ? node : key;
}

async function providersImport({ positionals, values, out, err }: CommandIo): Promise<number> {
  const [file] = positionals;
  if (!file || positionals.length > 1) {
    err(`Give one file.\n\n${sightingsCommands["providers:import"].usage}`);
    return 2;
  }
  const format = (text(values.format) ?? (/\.json$/i.test(file) ? "json" : /\.csv$/i.test(file) ? "csv" : undefined)) as "csv" | "json" | undefined;
  if (format !== "csv" && format !== "json") {
    err("--format: say csv or json (or name the file .csv or .json).");
    return 2;
  }
  let content: string;
  try {
    content = await readFile(file, "utf8");
  } catch (error) {
    err(`${file}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`);
    return 1;
  }
  return withServices(async (services) => {
    try {
      const report = await importProviders(services, content, format);
      for (const row of report.errors) {
        err(`${format === "csv" ? "line" : "entry"} ${row.line}: ${row.errors.map((e) => `${e.field}: ${english(e.key)}`).join("; ")}`);
      }
      out(`Providers: ${report.created} added, ${report.updated} changed, ${report.unchanged} unchanged, ${report.errors.length} rejected.`);
      return report.errors.length ? 1 : 0;
    } catch (error) {
      if (error instanceof ProviderFileError) {
        err(`${file}: ${error.message}.`);
        return 1;
      }
      throw error;
    }
  });
}

async function apikeyCreate({ values, out, err }: CommandIo): Promise<number> {
  const org = text(values.org);
  if (!org) {
    err(`--org is required.\n\n${sightingsCommands["apikey:create"].usage}`);
    return 2;
  }
  const scopes = parseScopes(text(values.scopes));
  if (!scopes.ok) {
    err(`--scopes: unknown scope ${scopes.unknown.join(", ")}; use ${API_SCOPES.join(", ")}.`);
    return 2;
  }
  return withServices(async (services) => {
    const organisation = await findOrganisation(services, org);
    if (!organisation) {
      err(`--org: no organisation with the id or name "${org}". Create it first with npx reclaim org:create.`);
      return 1;
    }
    const created = await createApiKey(services, { organisationId: organisation.id, label: text(values.label) ?? "", scopes: scopes.scopes, createdBy: null });
    out(`API key for ${organisation.name} (scopes: ${created.scopes.join(", ")}), id ${created.id}.`);
    out("It is shown only now and cannot be recovered; keep it somewhere safe:");
    out(created.key);
    return 0;
  });
}

async function apikeyRevoke({ positionals, out, err }: CommandIo): Promise<number> {
  const [key] = positionals;
  if (!key) {
    err(`Name the key (its id, or the first characters lists show).\n\n${sightingsCommands["apikey:revoke"].usage}`);
    return 2;
  }
  return withServices(async (services) => {
    const result = await revokeApiKey(services, key, null);
    if (!result.ok) {
      err(result.reason === "ambiguous" ? `"${key}" names more than one key; use the id.` : `No active API key "${key}".`);
      return 1;
    }
    out(`Revoked API key ${result.id}: it is refused from now on.`);
    return 0;
  });
}

async function apikeyList({ values, out, err }: CommandIo): Promise<number> {
  return withServices(async (services) => {
    let organisationId: string | undefined;
    const org = text(values.org);
    if (org) {
      const organisation = await findOrganisation(services, org);
      if (!organisation) {
        err(`--org: no organisation with the id or name "${org}".`);
        return 1;
      }
      organisationId = organisation.id;
    }
    const keys = await listApiKeys(services, organisationId);
    if (keys.length === 0) out("No API keys.");
    for (const k of keys) {
      out(
        [k.id, `${k.prefix}…`, k.organisationName, k.label, k.scopes.join(","), `created ${k.createdAt}`, k.lastUsedAt ? `last used ${k.lastUsedAt}` : "never used", k.revokedAt ? `REVOKED ${k.revokedAt}` : "active"].join("  "),
      );
    }
    return 0;
  });
}

/** `[#########-----------]  45%  12,000 records` on a terminal; nothing otherwise. */
export function progressLine(p: ImportProgress, width = 30): string {
  const share = p.totalBytes ? Math.min(1, p.bytesRead / p.totalBytes) : 1;
  const filled = Math.round(share * width);
  const n = (v: number) => v.toLocaleString("en");
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(Math.round(share * 100)).padStart(3)}%  ${n(p.records)} records: ${n(p.created)} new, ${n(p.updated)} updated, ${n(p.unchanged)} unchanged, ${n(p.rejected)} rejected`;
}

async function sightingsImport({ positionals, values, out, err }: CommandIo): Promise<number> {
  const [file] = positionals;
  const org = text(values.org);
  if (!file || positionals.length > 1 || !org) {
    err(`Give one file and --org.\n\n${sightingsCommands["sightings:import"].usage}`);
    return 2;
  }
  const format = (text(values.format) ?? detectFormat(file)) as ImportFormat | null;
  if (format !== "csv" && format !== "jsonl") {
    err("--format: say csv or jsonl (or name the file .csv, .jsonl or .ndjson).");
    return 2;
  }
  const tty = Boolean(process.stderr.isTTY) && !values["no-progress"];
  return withServices(async (services) => {
    const organisation = await findOrganisation(services, org);
    if (!organisation) {
      err(`--org: no organisation with the id or name "${org}".`);
      return 1;
    }
    try {
      const summary = await importSightingsFile(services, {
        file,
        format,
        organisationId: organisation.id,
        onProgress: tty ? (p) => process.stderr.write(`\r${progressLine(p)}`) : undefined,
      });
      if (tty) process.stderr.write(`\r${progressLine({ ...summary, bytesRead: summary.totalBytes })}\n`);
      for (const e of summary.errors) err(`line ${e.line}${e.sourceRef ? ` (${e.sourceRef})` : ""}: ${e.errors.map((p) => `${p.field}: ${p.message}`).join("; ")}`);
      if (summary.moreErrors) err(`… and ${summary.moreErrors} more rejected records.`);
      out(`Imported ${file} for ${organisation.name}: ${summary.records} records, ${summary.created} new, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.rejected} rejected.`);
      return summary.rejected ? 1 : 0;
    } catch (error) {
      if (tty) process.stderr.write("\n");
      if (error instanceof ImportFileError) {
        err(`${file}: ${error.message}.`);
        return 1;
      }
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        err(`${file}: no such file.`);
        return 1;
      }
      throw error;
    }
  });
}

export const sightingsCommands: Record<string, Command> = {
  "providers:import": {
    summary: "Add or update providers in the directory from a CSV or JSON file.",
    usage: [
      "Usage: npx reclaim providers:import FILE [--format csv|json]",
      "  CSV: a header row with name, country, removal_contact, languages (languages separated by spaces, commas or |)",
      "  JSON: an array of objects with the same fields (languages may be an array)",
      "  A provider is matched by name and country; rows for known providers update them.",
    ].join("\n"),
    options: { format: { type: "string" } },
    run: providersImport,
  },
  "apikey:create": {
    summary: "Create an API key for a reporting organisation (printed once).",
    usage: [
      "Usage: npx reclaim apikey:create --org ORG [--scopes SCOPES] [--label TEXT]",
      "  --org     the organisation's id or exact name",
      `  --scopes  comma-separated: ${API_SCOPES.join(", ")} (default: both)`,
    ].join("\n"),
    options: { org: { type: "string" }, scopes: { type: "string" }, label: { type: "string" } },
    run: apikeyCreate,
  },
  "apikey:revoke": {
    summary: "Revoke an API key (by id or by its shown prefix).",
    usage: "Usage: npx reclaim apikey:revoke KEY_ID",
    run: apikeyRevoke,
  },
  "apikey:list": {
    summary: "List API keys (never the keys themselves).",
    usage: "Usage: npx reclaim apikey:list [--org ORG]",
    options: { org: { type: "string" } },
    run: apikeyList,
  },
  "sightings:import": {
    summary: "Import sightings from a CSV or JSON-lines file, with a progress bar on a terminal.",
    usage: [
      "Usage: npx reclaim sightings:import FILE --org ORG [--format csv|jsonl] [--no-progress]",
      "  --org   the reporting organisation (id or exact name); source_ref is unique per organisation",
      "  CSV columns: the API's field names (see /api/v1/openapi.json), with provider and provider_country",
      "  for the provider and forwarded_to separated by |. Re-running an import is safe.",
    ].join("\n"),
    options: { org: { type: "string" }, format: { type: "string" }, "no-progress": { type: "boolean" } },
    run: sightingsImport,
  },
};
