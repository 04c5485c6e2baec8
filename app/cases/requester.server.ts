import { redirect } from "@remix-run/node";
import type { AppLoadContext } from "@remix-run/node";
import { getCaseSession } from "~/sessions/session.server";
import { CLOSED_STATUSES } from "./cases.server";

/**
 * The signed-in requester's case, or a redirect to the sign-in page. The
 * headers carry a refreshed session cookie and must go on the response.
 */
export async function requireRequester(context: AppLoadContext, request: Request): Promise<{ caseId: string; headers: Headers }> {
  const session = await getCaseSession(context, request);
  if (!session) throw redirect("/case");
  const headers = new Headers();
  if (session.setCookie) headers.append("Set-Cookie", session.setCookie);
  return { caseId: session.caseId, headers };
}

/** Adding items, messaging and withdrawing stop once a case is closed. */
export async function requireOpenCase(context: AppLoadContext, request: Request) {
  const requester = await requireRequester(context, request);
  const row = await context.db.selectFrom("case").select("status").where("id", "=", requester.caseId).executeTakeFirstOrThrow();
  if (CLOSED_STATUSES.includes(row.status)) throw redirect("/case/status", { headers: requester.headers });
  return requester;
}
