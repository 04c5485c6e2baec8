import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey, revokeApiKey } from "~/sightings/api-keys.server";
import { MAX_BATCH } from "~/sightings/ingest.server";
import { openApiDocument } from "~/sightings/openapi";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../support/databases";
import { startTestServer, type TestServer } from "../support/http";
import { addOrganisation, randomHex } from "../support/sightings";

/**
 * POST /api/v1/sightings over HTTP: keys, status codes with JSON bodies,
 * per-record errors by index, retries, removal updates, and never a 500 for
 * whatever a client sends. GET /api/v1/openapi.json is a valid OpenAPI 3.1
 * document that says what the endpoint does.
 */
/** The server runs on the real clock: reports are from yesterday. */
const YESTERDAY = new Date(Date.now() - 86_400_000).toISOString();

describe.each(databaseKinds)("the sightings API [%s]", (kind) => {
  let database: TestDatabase;
  let server: TestServer;
  let key: string;
  let keyId: string;
  let organisationId: string;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    server = await startTestServer(database);
    organisationId = await addOrganisation(server.services, "API Hotline");
    ({ key, id: keyId } = await createApiKey(server.services, { organisationId, label: "test", scopes: ["sightings:write", "removals:write"], createdBy: null }));
  });
  afterAll(async () => {
    await server?.close();
    await database?.destroy();
  });

  const post = (body: unknown, { auth = `Bearer ${key}`, type = "application/json", raw = false }: { auth?: string | null; type?: string; raw?: boolean } = {}) =>
    fetch(`${server.url}/api/v1/sightings`, {
      method: "POST",
      headers: { ...(auth ? { authorization: auth } : {}), "content-type": type },
      body: raw ? (body as string) : JSON.stringify(body),
    });
  const record = (ref: string, extra: Record<string, unknown> = {}) => ({
    source_ref: ref,
    provider: { name: "API Host", country: "FR" },
    url: `https://api-host.example/${ref}`,
    md5: randomHex(16),
    reported_at: YESTERDAY,
    ...extra,
  });

  it("refuses requests without a valid key with 401 and a JSON body", async () => {
    for (const auth of [null, "Bearer nope", `Basic ${key}`, `Bearer rk_${"A".repeat(43)}`]) {
      const response = await post({ sightings: [record("x")] }, { auth });
      expect(response.status, String(auth)).toBe(401);
      expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(await response.json()).toMatchObject({ error: "unauthorized" });
    }
  });

  it("stores a batch, reports bad records by index, and a retry changes nothing", async () => {
    const batch = { sightings: [record("h-1"), { source_ref: "h-2", md5: "xyz", reported_at: YESTERDAY }, record("h-3")] };
    const first = await post(batch);
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toMatch(/application\/json/);
    const body = await first.json();
    expect(body).toMatchObject({ created: 2, updated: 0, unchanged: 0, rejected: 1 });
    expect(body.results.map((r: { index: number; status: string }) => [r.index, r.status])).toEqual([
      [0, "created"],
      [2, "created"],
    ]);
    expect(body.errors).toEqual([{ index: 1, source_ref: "h-2", errors: [{ field: "md5", code: "invalid", message: "md5 must be 32 hexadecimal characters" }] }]);

    const retry = await (await post(batch)).json();
    expect(retry).toMatchObject({ created: 0, unchanged: 2, rejected: 1 });
    const rows = await database.db.selectFrom("sighting").select("source_ref").where("source_organisation_id", "=", organisationId).execute();
    expect(rows.map((r) => r.source_ref).sort()).toEqual(["h-1", "h-3"]);

    const removal = await (await post({ sightings: [{ source_ref: "h-1", removal_state: "removed", removed_at: new Date().toISOString() }] })).json();
    expect(removal).toMatchObject({ updated: 1 });
    const audit = await database.db.selectFrom("audit_log").selectAll().where("action", "=", "api.sightings.post").orderBy("seq").execute();
    expect(audit.length).toBeGreaterThanOrEqual(3);
    expect(audit.every((a) => a.actor_kind === "api" && a.actor_id === keyId && a.organisation_id === organisationId)).toBe(true);
    expect(JSON.parse(audit[0].details)).toMatchObject({ created: 2, rejected: 1 });
  });

  it("answers 400, 405, 413 and 415 with JSON for bodies that are not a batch", async () => {
    const cases: [Promise<Response>, number, string][] = [
      [post("{not json", { raw: true }), 400, "invalid_json"],
      [post({ records: [] }), 400, "invalid_batch"],
      [post({ sightings: [] }), 400, "empty_batch"],
      [post("\u00ff\u00fe", { raw: true }), 400, "invalid_json"],
      [post({ sightings: Array.from({ length: MAX_BATCH + 1 }, (_, i) => record(`big-${i}`)) }), 413, "batch_too_large"],
      [post("x".repeat(4 * 1024 * 1024 + 1), { raw: true }), 413, "payload_too_large"],
      [post("source_ref=1", { raw: true, type: "application/x-www-form-urlencoded" }), 415, "unsupported_media_type"],
      [fetch(`${server.url}/api/v1/sightings`, { headers: { authorization: `Bearer ${key}` } }), 405, "method_not_allowed"],
    ];
    for (const [request, status, error] of cases) {
      const response = await request;
      expect(response.status, error).toBe(status);
      expect(await response.json()).toMatchObject({ error });
    }
    // A full batch is accepted.
    const full = await post({ sightings: Array.from({ length: MAX_BATCH }, (_, i) => record(`full-${i}`)) });
    expect(full.status).toBe(200);
    expect((await full.json()).created).toBe(MAX_BATCH);
  });

  it("refuses a revoked key, and a key without a sightings scope with 403", async () => {
    const other = await createApiKey(server.services, { organisationId, label: "to revoke", scopes: ["sightings:write"], createdBy: null });
    expect((await post({ sightings: [record("rv-1")] }, { auth: `Bearer ${other.key}` })).status).toBe(200);
    await revokeApiKey(server.services, other.id, null);
    expect((await post({ sightings: [record("rv-2")] }, { auth: `Bearer ${other.key}` })).status).toBe(401);
    const future = await createApiKey(server.services, { organisationId, label: "another scope", scopes: ["sightings:write"], createdBy: null });
    await database.db.updateTable("api_key").set({ scopes: '["reports:read"]' }).where("id", "=", future.id).execute();
    const refused = await post({ sightings: [record("rv-3")] }, { auth: `Bearer ${future.key}` });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: "forbidden" });
  });

  it("never answers with a server error, whatever the body", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string().map((s) => ({ raw: s })),
          fc.json().map((s) => ({ raw: s })),
          fc.array(fc.dictionary(fc.constantFrom("source_ref", "url", "pdq", "pdq_quality", "sha256", "md5", "reported_at", "removal_state", "withheld_until", "forwarded_to", "provider", "provider_id", "x"), fc.jsonValue()), { maxLength: 4 }).map((s) => ({ raw: JSON.stringify({ sightings: s }) })),
        ),
        async ({ raw }) => {
          const response = await post(raw, { raw: true });
          expect(response.status).toBeLessThan(500);
          await response.json();
        },
      ),
      { numRuns: 60 },
    );
  });

  it("publishes an OpenAPI 3.1 document that matches the endpoint", async () => {
    const response = await fetch(`${server.url}/api/v1/openapi.json`);
    expect(response.status).toBe(200);
    const doc = await response.json();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info.title).toBeTruthy();
    expect(doc.info.version).toBeTruthy();
    checkOpenApi(doc);
    const post = doc.paths["/api/v1/sightings"].post;
    expect(Object.keys(post.responses).sort()).toEqual(["200", "400", "401", "403", "405", "413", "415", "503"]);
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: "http", scheme: "bearer" });
    // The documented record is what the validation accepts.
    const documented = Object.keys(doc.components.schemas.Sighting.properties).sort();
    const accepted = await acceptedFields();
    expect(documented).toEqual(accepted);
    expect(doc.servers[0].url).toBe(server.url);
  });

  /** The fields ingest accepts: each one alone is not refused as unknown. */
  async function acceptedFields(): Promise<string[]> {
    const candidates = Object.keys(openApiDocument().components.schemas.Sighting.properties).concat(["colour", "id", "seq", "case_id"]);
    const body = { sightings: candidates.map((field) => ({ source_ref: `f-${randomUUID()}`, [field]: null })) };
    const result = await (await post(body)).json();
    const unknown = new Set(
      result.errors.flatMap((e: { index: number; errors: { code: string }[] }) => (e.errors.some((p) => p.code === "unknown_field") ? [candidates[e.index]] : [])),
    );
    return candidates.filter((c) => !unknown.has(c)).sort();
  }
});

/**
 * Structural checks of an OpenAPI 3.1 document: required top-level fields,
 * every path operation has responses with descriptions, and every $ref
 * points at something that exists.
 */
function checkOpenApi(doc: Record<string, any>) {
  expect(typeof doc.info?.title).toBe("string");
  expect(typeof doc.info?.version).toBe("string");
  expect(typeof doc.paths).toBe("object");
  const methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
  for (const [path, item] of Object.entries(doc.paths as Record<string, any>)) {
    expect(path.startsWith("/")).toBe(true);
    for (const [method, operation] of Object.entries(item as Record<string, any>)) {
      expect(methods).toContain(method);
      expect(Object.keys(operation.responses ?? {}).length).toBeGreaterThan(0);
      for (const [status, response] of Object.entries(operation.responses as Record<string, any>)) {
        expect(status).toMatch(/^([1-5]\d\d|[1-5]XX|default)$/);
        expect(typeof response.description).toBe("string");
      }
    }
  }
  const refs: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === "object") {
      for (const [k, v] of Object.entries(node)) {
        if (k === "$ref") refs.push(v as string);
        else walk(v);
      }
    }
  };
  walk(doc);
  expect(refs.length).toBeGreaterThan(0);
  for (const ref of refs) {
    expect(ref.startsWith("#/")).toBe(true);
    const target = ref
      .slice(2)
      .split("/")
      .reduce<any>((n, part) => n?.[part.replace(/~1/g, "/").replace(/~0/g, "~")], doc);
    expect(target, ref).toBeTruthy();
  }
  // JSON Schema 2020-12 types only.
  const types = new Set(["string", "number", "integer", "boolean", "object", "array", "null"]);
  const checkTypes = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(checkTypes);
    else if (node && typeof node === "object") {
      const type = (node as { type?: unknown }).type;
      if (typeof type === "string") expect(types.has(type), type).toBe(true);
      if (Array.isArray(type)) for (const t of type) expect(types.has(t), String(t)).toBe(true);
      Object.values(node).forEach(checkTypes);
    }
  };
  checkTypes(doc.components.schemas);
  for (const scheme of Object.values(doc.components.securitySchemes as Record<string, any>)) expect(["apiKey", "http", "oauth2", "openIdConnect", "mutualTLS"]).toContain(scheme.type);
}
