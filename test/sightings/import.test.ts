import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { progressLine } from "~/cli/sightings.server";
import { main } from "~/cli/main.server";
import { hashApiKey, authenticateApiKey } from "~/sightings/api-keys.server";
import { parseCsv } from "~/sightings/csv.server";
import { importSightingsFile } from "~/sightings/import.server";
import { importProviders } from "~/sightings/providers.server";
import { describeEachDatabase } from "../support/databases";
import { testServices } from "../support/services";
import { addOrganisation, randomHex } from "../support/sightings";

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, (line) => out.push(line), (line) => err.push(line));
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("CSV", () => {
  it("reads quoted fields with commas, quotes and line breaks, CRLF and a byte-order mark, in any chunks", async () => {
    const text = '\uFEFFsource_ref,url,note\r\n"a,1","https://x.example/""q""",plain\r\nb,"two\nlines",\n\nc,,last';
    const rows = parseCsv(text);
    expect(rows).toEqual([
      { line: 1, fields: ["source_ref", "url", "note"] },
      { line: 2, fields: ["a,1", 'https://x.example/"q"', "plain"] },
      { line: 3, fields: ["b", "two\nlines", ""] },
      { line: 5, fields: [""] },
      { line: 6, fields: ["c", "", "last"] },
    ]);
    const { CsvParser } = await import("~/sightings/csv.server");
    const parser = new CsvParser();
    const chunked = [...text].flatMap((ch) => parser.push(ch)).concat(parser.end());
    expect(chunked).toEqual(rows);
  });

  it("draws a progress bar", () => {
    expect(progressLine({ bytesRead: 50, totalBytes: 100, records: 1200, created: 1000, updated: 100, unchanged: 50, rejected: 50 }, 10)).toBe(
      "[#####-----]  50%  1,200 records: 1,000 new, 100 updated, 50 unchanged, 50 rejected",
    );
  });
});

describeEachDatabase("importing sightings and providers", (get) => {
  let dir: string;
  let services: ReturnType<typeof testServices>["services"];

  beforeAll(() => {
    ({ services } = testServices(get()));
    dir = mkdtempSync(path.join(tmpdir(), "reclaim-import-"));
    vi.stubEnv("DATABASE_URL", get().url);
    vi.stubEnv("RECLAIM_DATA_DIR", services.env.dataDir);
    vi.stubEnv("NODE_ENV", "test");
    vi.stubEnv("LOG_LEVEL", "silent");
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    rmSync(dir, { recursive: true, force: true });
  });
  const file = (name: string, content: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, content);
    return p;
  };

  it("imports the providers directory from CSV and JSON, matching by name and country", async () => {
    const csv = await importProviders(
      services,
      'name,country,removal_contact,languages\nHost One,de,abuse@one.example,"de, en"\nHost Two,XX,,\n,NL,,\n',
      "csv",
    );
    expect(csv).toMatchObject({ created: 1, updated: 0 });
    expect(csv.errors.map((e) => [e.line, e.errors.map((x) => x.field)])).toEqual([
      [3, ["country"]],
      [4, ["name"]],
    ]);
    const json = await importProviders(services, JSON.stringify([{ name: "host one", country: "DE", removal_contact: "abuse@one.example", languages: ["de", "en"] }, { name: "Host Three", country: "FR", languages: "fr" }]), "json");
    expect(json).toMatchObject({ created: 1, updated: 0, unchanged: 1, errors: [] });
    const cli = await run("providers:import", file("providers.json", JSON.stringify([{ name: "Host One", country: "DE", removal_contact: "new@one.example", languages: "de" }])));
    expect(cli.code).toBe(0);
    expect(cli.out).toMatch(/0 added, 1 changed/);
    const row = await services.db.selectFrom("provider").selectAll().where("name", "=", "Host One").executeTakeFirstOrThrow();
    expect([row.removal_contact, row.languages]).toEqual(["new@one.example", '["de"]']);
  });

  it("creates an API key printed once, stored only as a hash, and revokes it", async () => {
    await addOrganisation(services, "CLI Hotline");
    const created = await run("apikey:create", "--org", "CLI Hotline", "--scopes", "sightings:write");
    expect(created.code).toBe(0);
    const key = created.out.match(/rk_[A-Za-z0-9_-]{43}/)![0];
    const rows = await services.db.selectFrom("api_key").selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(key);
    expect(rows.some((r) => r.secret_hash === hashApiKey(key) && r.scopes === '["sightings:write"]')).toBe(true);
    expect((await authenticateApiKey(services, `Bearer ${key}`)).ok).toBe(true);
    expect((await run("apikey:create", "--org", "CLI Hotline", "--scopes", "everything")).code).toBe(2);
    const listed = await run("apikey:list");
    expect(listed.out).not.toContain(key);
    const id = rows.find((r) => r.secret_hash === hashApiKey(key))!.id;
    expect((await run("apikey:revoke", id)).code).toBe(0);
    expect(await authenticateApiKey(services, `Bearer ${key}`)).toEqual({ ok: false, reason: "invalid" });
    const audit = await services.db.selectFrom("audit_log").select("action").where("action", "like", "apikey.%").execute();
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(["apikey.create", "apikey.revoke"]));
  });

  it("imports sightings from CSV and JSON lines, streaming, idempotently, naming bad lines", async () => {
    const organisationId = await addOrganisation(services, "File Hotline");
    const sha = randomHex(32);
    const csv = file(
      "sightings.csv",
      [
        "source_ref,provider,provider_country,url,sha256,pdq,pdq_quality,reported_at,forwarded_to,removal_state",
        `f-1,File Host,NL,https://file-host.example/1.jpg,${sha},,,2026-11-01T10:00:00Z,Politie|KLPD,online`,
        `f-2,File Host,NL,https://file-host.example/2.jpg,,${randomHex(32)},80,2026-11-01T10:00:00Z,,`,
        "f-3,File Host,NL,not a url,,,,2026-11-01T10:00:00Z,,",
        "",
      ].join("\n"),
    );
    const first = await importSightingsFile(services, { file: csv, format: "csv", organisationId });
    expect(first).toMatchObject({ records: 3, created: 2, rejected: 1 });
    expect(first.errors).toEqual([{ line: 4, sourceRef: "f-3", errors: [{ field: "url", code: "invalid", message: "url must be an http or https address" }] }]);
    const again = await importSightingsFile(services, { file: csv, format: "csv", organisationId });
    expect(again).toMatchObject({ created: 0, unchanged: 2, rejected: 1 });
    const row = await services.db.selectFrom("sighting").selectAll().where("source_ref", "=", "f-1").executeTakeFirstOrThrow();
    expect(JSON.parse(row.forwarded_to)).toEqual(["Politie", "KLPD"]);

    const lines = Array.from({ length: 2500 }, (_, i) => JSON.stringify({ source_ref: `j-${i}`, md5: randomHex(16), reported_at: "2026-11-02T10:00:00Z" }));
    lines.splice(10, 0, "{broken");
    const jsonl = file("sightings.jsonl", lines.join("\n") + "\n");
    const progress: number[] = [];
    const result = await importSightingsFile(services, { file: jsonl, format: "jsonl", organisationId, onProgress: (p) => progress.push(p.records) });
    expect(result).toMatchObject({ records: 2501, created: 2500, rejected: 1 });
    expect(result.errors[0]).toMatchObject({ line: 11, errors: [{ code: "invalid" }] });
    expect(progress.length).toBeGreaterThanOrEqual(3);

    const cli = await run("sightings:import", csv, "--org", "File Hotline");
    expect(cli.out).toMatch(/3 records, 0 new, 0 updated, 2 unchanged, 1 rejected/);
    expect(cli.err).toMatch(/line 4 \(f-3\): url:/);
    expect(cli.code).toBe(1);
  });
});
