import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { recordAudit } from "~/audit/audit.server";
import type { Services } from "~/context";
import { API_SCOPES, type ApiScope } from "~/db/schema";
import type { StaffIdentity } from "~/staff/permissions";

/**
 * API keys of reporting organisations (hotlines, providers, the EU Centre's
 * report system). A key is `rk_` followed by 43 characters of base64url
 * (256 random bits). Only its SHA-256 is stored: a key that random needs no
 * slow hash, and a look-up by hash is one index probe. The key is shown once,
 * when it is made; it cannot be recovered, only revoked and replaced.
 */
export const KEY_PREFIX = "rk_";
const KEY_PATTERN = /^rk_[A-Za-z0-9_-]{43}$/;
/** How much of a key lists show, to tell keys apart. */
const SHOWN = 10;
/** last_used_at is written at most this often per key (a busy key would otherwise write on every request). */
const LAST_USED_GRANULARITY_MS = 60_000;

export const hashApiKey = (key: string) => createHash("sha256").update(key).digest("hex");

export function parseScopes(value: string | undefined): { ok: true; scopes: ApiScope[] } | { ok: false; unknown: string[] } {
  if (value === undefined || value.trim() === "") return { ok: true, scopes: [...API_SCOPES] };
  const parts = [...new Set(value.split(/[\s,]+/).filter(Boolean))];
  const unknown = parts.filter((p) => !(API_SCOPES as readonly string[]).includes(p));
  if (unknown.length) return { ok: false, unknown };
  return { ok: true, scopes: parts as ApiScope[] };
}

export interface CreatedApiKey {
  id: string;
  /** The key itself: show it once, never store it. */
  key: string;
  prefix: string;
  scopes: ApiScope[];
}

export async function createApiKey(
  services: Pick<Services, "db" | "now" | "vault">,
  { organisationId, label, scopes, createdBy }: { organisationId: string; label: string; scopes: ApiScope[]; createdBy: StaffIdentity | null },
): Promise<CreatedApiKey> {
  if (scopes.length === 0) throw new Error("an API key needs at least one scope");
  const key = `${KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
  const id = randomUUID();
  const prefix = key.slice(0, SHOWN);
  await services.db.transaction().execute(async (trx) => {
    await trx
      .insertInto("api_key")
      .values({
        id,
        organisation_id: organisationId,
        label: label.trim().slice(0, 200) || "API key",
        prefix,
        secret_hash: hashApiKey(key),
        scopes: JSON.stringify(scopes),
        created_by: createdBy?.id ?? null,
        created_at: services.now().toISOString(),
        last_used_at: null,
        revoked_at: null,
        revoked_by: null,
      })
      .execute();
    await recordAudit(
      services,
      {
        actorKind: createdBy ? "staff" : "system",
        actorId: createdBy?.id ?? null,
        organisationId: createdBy?.organisationId ?? organisationId,
        action: "apikey.create",
        details: { apiKeyId: id, forOrganisation: organisationId, scopes: scopes.join(" ") },
      },
      trx,
    );
  });
  return { id, key, prefix, scopes };
}

/** Revoke by id or by the key's shown prefix. Returns false when no such active key exists. */
export async function revokeApiKey(
  services: Pick<Services, "db" | "now" | "vault">,
  idOrPrefix: string,
  revokedBy: StaffIdentity | null,
): Promise<{ ok: true; id: string } | { ok: false; reason: "not_found" | "ambiguous" }> {
  const candidates = await services.db
    .selectFrom("api_key")
    .select(["id", "organisation_id"])
    .where((eb) => eb.or([eb("id", "=", idOrPrefix), eb("prefix", "=", idOrPrefix)]))
    .where("revoked_at", "is", null)
    .execute();
  if (candidates.length === 0) return { ok: false, reason: "not_found" };
  if (candidates.length > 1) return { ok: false, reason: "ambiguous" };
  const [{ id, organisation_id }] = candidates;
  await services.db.transaction().execute(async (trx) => {
    await trx
      .updateTable("api_key")
      .set({ revoked_at: services.now().toISOString(), revoked_by: revokedBy?.id ?? "command line" })
      .where("id", "=", id)
      .execute();
    await recordAudit(
      services,
      {
        actorKind: revokedBy ? "staff" : "system",
        actorId: revokedBy?.id ?? null,
        organisationId: revokedBy?.organisationId ?? organisation_id,
        action: "apikey.revoke",
        details: { apiKeyId: id },
      },
      trx,
    );
  });
  return { ok: true, id };
}

export interface ApiKeyView {
  id: string;
  organisationId: string;
  organisationName: string;
  label: string;
  prefix: string;
  scopes: ApiScope[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export async function listApiKeys(services: Pick<Services, "db">, organisationId?: string): Promise<ApiKeyView[]> {
  let query = services.db
    .selectFrom("api_key")
    .innerJoin("organisation", "organisation.id", "api_key.organisation_id")
    .selectAll("api_key")
    .select("organisation.name as organisation_name");
  if (organisationId) query = query.where("api_key.organisation_id", "=", organisationId);
  const rows = await query.orderBy("organisation.name").orderBy("api_key.created_at").execute();
  return rows.map((r) => ({
    id: r.id,
    organisationId: r.organisation_id,
    organisationName: r.organisation_name,
    label: r.label,
    prefix: r.prefix,
    scopes: JSON.parse(r.scopes) as ApiScope[],
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  }));
}

export interface ApiClient {
  keyId: string;
  organisationId: string;
  scopes: ApiScope[];
}

/**
 * The client a request's `Authorization: Bearer …` header names, or why not:
 * "missing" (no bearer token) or "invalid" (unknown, malformed or revoked;
 * the answer does not say which).
 */
export async function authenticateApiKey(
  services: Pick<Services, "db" | "now">,
  authorization: string | null,
): Promise<{ ok: true; client: ApiClient } | { ok: false; reason: "missing" | "invalid" }> {
  const match = authorization?.match(/^Bearer[ \t]+(\S+)[ \t]*$/i);
  if (!match) return { ok: false, reason: "missing" };
  const key = match[1];
  if (!KEY_PATTERN.test(key)) return { ok: false, reason: "invalid" };
  const hash = hashApiKey(key);
  const row = await services.db
    .selectFrom("api_key")
    .select(["id", "organisation_id", "scopes", "secret_hash", "revoked_at", "last_used_at"])
    .where("secret_hash", "=", hash)
    .executeTakeFirst();
  // The look-up is by hash already; compare again in constant time all the same.
  if (!row || row.revoked_at !== null || !timingSafeEqual(Buffer.from(row.secret_hash), Buffer.from(hash))) return { ok: false, reason: "invalid" };
  const now = services.now();
  if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) > LAST_USED_GRANULARITY_MS) {
    await services.db.updateTable("api_key").set({ last_used_at: now.toISOString() }).where("id", "=", row.id).execute();
  }
  return { ok: true, client: { keyId: row.id, organisationId: row.organisation_id, scopes: JSON.parse(row.scopes) as ApiScope[] } };
}
