import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { StringDecoder } from "node:string_decoder";
import { recordAudit } from "~/audit/audit.server";
import type { Services } from "~/context";
import { API_SCOPES } from "~/db/schema";
import { afterIngest } from "./api.server";
import { CsvParser } from "./csv.server";
import { ingestSightings, MAX_BATCH, type FieldProblem } from "./ingest.server";

/**
 * `npx reclaim sightings:import FILE`: a file of sightings, CSV (with a
 * header row) or JSON lines (one object per line, the API's fields), read as
 * a stream and stored in batches of 1,000 through the same code as the API —
 * idempotent on source_ref, so an interrupted import can simply be run again.
 *
 * CSV columns are the API's field names; `provider` and `provider_country`
 * name the provider; `forwarded_to` lists authorities separated by `|` or
 * `;`; an empty cell is a field not given.
 */
export type ImportFormat = "csv" | "jsonl";

export interface ImportProgress {
  bytesRead: number;
  totalBytes: number;
  records: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

export interface ImportError {
  /** Line of the file where the record starts. */
  line: number;
  sourceRef: string | null;
  errors: FieldProblem[];
}

export interface ImportSummary extends ImportProgress {
  errors: ImportError[];
  /** Errors beyond the ones kept in `errors`. */
  moreErrors: number;
}

const MAX_KEPT_ERRORS = 1000;

export function detectFormat(file: string): ImportFormat | null {
  if (/\.csv$/i.test(file)) return "csv";
  if (/\.(jsonl|ndjson|json)$/i.test(file)) return "jsonl";
  return null;
}

/** A CSV row as an API record: empty cells are left out. */
export function csvRecord(header: string[], fields: string[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  let providerName: string | undefined;
  let providerCountry: string | undefined;
  header.forEach((name, i) => {
    const value = (fields[i] ?? "").trim();
    if (value === "") return;
    switch (name) {
      case "provider":
      case "provider_name":
        providerName = value;
        break;
      case "provider_country":
        providerCountry = value;
        break;
      case "pdq_quality":
        record.pdq_quality = /^-?\d+$/.test(value) ? Number(value) : value;
        break;
      case "forwarded_to":
        record.forwarded_to = value.split(/[|;]/).map((v) => v.trim()).filter(Boolean);
        break;
      default:
        record[name] = value;
    }
  });
  if (providerName !== undefined || providerCountry !== undefined) record.provider = { name: providerName ?? "", country: providerCountry ?? "" };
  return record;
}

export async function importSightingsFile(
  services: Pick<Services, "db" | "now" | "vault" | "env">,
  { file, format, organisationId, onProgress }: { file: string; format: ImportFormat; organisationId: string; onProgress?: (progress: ImportProgress) => void },
): Promise<ImportSummary> {
  const totalBytes = (await stat(file)).size;
  const summary: ImportSummary = { bytesRead: 0, totalBytes, records: 0, created: 0, updated: 0, unchanged: 0, rejected: 0, errors: [], moreErrors: 0 };
  let batch: { line: number; record: unknown }[] = [];
  const fail = (error: ImportError) => {
    summary.rejected++;
    if (summary.errors.length < MAX_KEPT_ERRORS) summary.errors.push(error);
    else summary.moreErrors++;
  };

  const flush = async () => {
    if (batch.length === 0) return;
    const current = batch;
    batch = [];
    const result = await ingestSightings(services, { organisationId, scopes: API_SCOPES, via: "import" }, current.map((b) => b.record));
    summary.created += result.created;
    summary.updated += result.updated;
    summary.unchanged += result.unchanged;
    for (const e of result.errors) fail({ line: current[e.index].line, sourceRef: e.source_ref, errors: e.errors });
    await afterIngest(services, result);
    onProgress?.({ ...summary });
  };
  const add = async (line: number, record: unknown) => {
    summary.records++;
    batch.push({ line, record });
    if (batch.length >= MAX_BATCH) await flush();
  };

  const stream = createReadStream(file);
  const decoder = new StringDecoder("utf8");
  if (format === "csv") {
    const parser = new CsvParser();
    let header: string[] | null = null;
    const take = async (rows: { line: number; fields: string[] }[]) => {
      for (const row of rows) {
        if (!header) {
          header = row.fields.map((h) => h.trim().toLowerCase().replace(/[\s-]+/g, "_"));
          if (!header.includes("source_ref")) throw new ImportFileError("the CSV needs a header row with the API's field names, at least source_ref");
          continue;
        }
        if (row.fields.every((f) => f.trim() === "")) continue;
        await add(row.line, csvRecord(header, row.fields));
      }
    };
    for await (const chunk of stream) {
      summary.bytesRead += (chunk as Buffer).length;
      await take(parser.push(decoder.write(chunk as Buffer)));
    }
    await take([...parser.push(decoder.end()), ...parser.end()]);
  } else {
    let rest = "";
    let lineNumber = 0;
    const take = async (text: string) => {
      lineNumber++;
      const line = text.trim();
      if (line === "") return;
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch {
        summary.records++;
        fail({ line: lineNumber, sourceRef: null, errors: [{ field: "record", code: "invalid", message: "the line is not valid JSON" }] });
        return;
      }
      await add(lineNumber, record);
    };
    for await (const chunk of stream) {
      summary.bytesRead += (chunk as Buffer).length;
      const text = rest + decoder.write(chunk as Buffer);
      const lines = text.split("\n");
      rest = lines.pop()!;
      for (const line of lines) await take(line);
    }
    rest += decoder.end();
    if (rest !== "") await take(rest);
  }
  await flush();
  await recordAudit(services, {
    actorKind: "system",
    actorId: null,
    organisationId,
    action: "sightings.import",
    details: { records: summary.records, created: summary.created, updated: summary.updated, unchanged: summary.unchanged, rejected: summary.rejected },
  });
  return summary;
}

/** A file that cannot be imported at all (as opposed to bad records in it). */
export class ImportFileError extends Error {}
