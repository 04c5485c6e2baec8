import { recordAudit } from "~/audit/audit.server";
import type { Services } from "~/context";
import { matchPendingSightings } from "~/matching/match.server";
import { sightingIndexFor } from "~/matching/sighting-index.server";
import { authenticateApiKey } from "./api-keys.server";
import { ingestSightings, MAX_BATCH, type IngestResult } from "./ingest.server";

/**
 * `POST /api/v1/sightings` (documented in openapi.ts). Answers are JSON, and
 * bad input is never a server error: 400 for a body that is not a batch, 401
 * without a valid key, 403 for a key without a sightings scope, 413 for a
 * body or batch too large, 415 for a body that is not JSON, and otherwise 200
 * with a result per record (created, updated, unchanged) and the rejected
 * records by index with reasons.
 */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

const problem = (status: number, error: string, message: string, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ error, message }), { status, headers: { "Content-Type": "application/json; charset=utf-8", ...headers } });

export async function postSightings(services: Services, request: Request): Promise<Response> {
  const auth = await authenticateApiKey(services, request.headers.get("Authorization"));
  if (!auth.ok) {
    return problem(401, "unauthorized", auth.reason === "missing" ? "send an API key as Authorization: Bearer <key>" : "the API key is not valid", {
      "WWW-Authenticate": auth.reason === "missing" ? 'Bearer realm="reclaim"' : 'Bearer realm="reclaim", error="invalid_token"',
    });
  }
  const { client } = auth;
  if (!client.scopes.includes("sightings:write") && !client.scopes.includes("removals:write")) {
    return problem(403, "forbidden", "this API key may not report sightings or removals");
  }
  const type = request.headers.get("Content-Type") ?? "";
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(type.trim())) return problem(415, "unsupported_media_type", "send the batch as application/json");

  const body = await readBody(request, MAX_BODY_BYTES);
  if (body === "too_large") return problem(413, "payload_too_large", `the body is larger than ${MAX_BODY_BYTES} bytes`);
  if (body === "unreadable") return problem(400, "invalid_body", "the body could not be read");
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    return problem(400, "invalid_json", "the body is not valid JSON");
  }
  const records = Array.isArray(data) ? data : data && typeof data === "object" && Array.isArray((data as { sightings?: unknown }).sightings) ? (data as { sightings: unknown[] }).sightings : null;
  if (!records) return problem(400, "invalid_batch", 'send {"sightings": [ … ]}');
  if (records.length === 0) return problem(400, "empty_batch", "the batch has no sightings");
  if (records.length > MAX_BATCH) return problem(413, "batch_too_large", `a batch holds at most ${MAX_BATCH} sightings; split it`);

  let result: IngestResult;
  try {
    result = await ingestSightings(services, { organisationId: client.organisationId, scopes: client.scopes, via: "api" }, records);
  } catch (error) {
    // Not the client's fault: the batch was not stored at all; it can be sent again as it is.
    if (services.env.LOG_LEVEL !== "silent") console.error(`api: a batch of sightings was not stored (${(error as Error).name})`);
    return problem(503, "unavailable", "the batch was not stored; send it again later", { "Retry-After": "10" });
  }
  await recordAudit(services, {
    actorKind: "api",
    actorId: client.keyId,
    organisationId: client.organisationId,
    action: "api.sightings.post",
    details: { created: result.created, updated: result.updated, unchanged: result.unchanged, rejected: result.rejected, providersCreated: result.providersCreated },
  });
  await afterIngest(services, result);

  return new Response(
    JSON.stringify({
      created: result.created,
      updated: result.updated,
      unchanged: result.unchanged,
      rejected: result.rejected,
      results: result.results,
      errors: result.errors,
    }),
    { status: 200, headers: { "Content-Type": "application/json; charset=utf-8" } },
  );
}

/** Bring this server's index up to date and match what was new; the worker's sweep covers a failure here. */
export async function afterIngest(services: Pick<Services, "db" | "now" | "vault" | "env">, result: Pick<IngestResult, "createdIds">): Promise<void> {
  try {
    await sightingIndexFor(services.db).catchUp();
    if (result.createdIds.length) await matchPendingSightings(services, { ids: result.createdIds });
  } catch (error) {
    if (services.env.LOG_LEVEL !== "silent") console.error(`matching: new sightings not matched yet (${(error as Error).name}); the sweep will retry`);
  }
}

/** The body as text, or why not, reading no more than `limit` bytes. */
async function readBody(request: Request, limit: number): Promise<string | "too_large" | "unreadable"> {
  const declared = Number(request.headers.get("Content-Length"));
  if (Number.isFinite(declared) && declared > limit) return "too_large";
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => undefined);
        return "too_large";
      }
      chunks.push(value);
    }
  } catch {
    return "unreadable";
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    return "unreadable";
  }
}

export function methodNotAllowed(): Response {
  return new Response(JSON.stringify({ error: "method_not_allowed", message: "use POST" }), {
    status: 405,
    headers: { Allow: "POST", "Content-Type": "application/json; charset=utf-8" },
  });
}
