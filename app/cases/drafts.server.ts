import { createHash, randomBytes } from "node:crypto";
import { createCookie } from "@remix-run/node";
import type { Services } from "~/context";
import type { Db } from "~/db/db.server";
import type { RequestDraft } from "./request";
import { servedOverHttps } from "~/env.server";

/**
 * A request in progress lives on the server, encrypted, under a random token
 * held in a session cookie: the answers survive back links and reloads without
 * ever being put in a URL, and are gone 24 hours after the last step.
 */
export const DRAFT_LIFETIME_MS = 24 * 60 * 60 * 1000;
const CONTEXT = "request_draft.data_enc";

const draftCookie = (services: Services) =>
  createCookie("reclaim_draft", {
    httpOnly: true,
    sameSite: "strict",
    path: "/request",
    secure: servedOverHttps(services.env),
    secrets: [services.env.SESSION_SECRET],
  });

export const draftId = (token: string) => createHash("sha256").update(token).digest("hex");

/** The draft token from the request's cookie, if any. */
export async function readDraftToken(services: Services, request: Request): Promise<string | null> {
  const value = await draftCookie(services).parse(request.headers.get("Cookie"));
  return typeof value === "string" && value.length > 0 ? value : null;
}

export async function loadDraft(services: Services, token: string | null): Promise<RequestDraft | null> {
  if (!token) return null;
  const row = await services.db
    .selectFrom("request_draft")
    .select(["data_enc", "expires_at"])
    .where("id", "=", draftId(token))
    .executeTakeFirst();
  if (!row || row.expires_at <= services.now().toISOString()) return null;
  return JSON.parse(services.vault.decrypt(row.data_enc, CONTEXT)) as RequestDraft;
}

/** Save the answers; returns the Set-Cookie header when a new draft was started. */
export async function saveDraft(
  services: Services,
  token: string | null,
  draft: RequestDraft,
): Promise<{ token: string; setCookie?: string }> {
  const now = services.now();
  const data_enc = services.vault.encrypt(JSON.stringify(draft), CONTEXT);
  const expires_at = new Date(now.getTime() + DRAFT_LIFETIME_MS).toISOString();
  if (token) {
    const { numUpdatedRows } = await services.db
      .updateTable("request_draft")
      .set({ data_enc, expires_at })
      .where("id", "=", draftId(token))
      .executeTakeFirst();
    if (Number(numUpdatedRows) === 1) return { token };
  }
  const fresh = randomBytes(32).toString("base64url");
  await services.db
    .insertInto("request_draft")
    .values({ id: draftId(fresh), data_enc, created_at: now.toISOString(), expires_at })
    .execute();
  return { token: fresh, setCookie: await draftCookie(services).serialize(fresh) };
}

export async function deleteDraft(db: Db, token: string): Promise<void> {
  await db.deleteFrom("request_draft").where("id", "=", draftId(token)).execute();
}

export async function clearDraftCookie(services: Services): Promise<string> {
  return draftCookie(services).serialize("", { maxAge: 0 });
}
