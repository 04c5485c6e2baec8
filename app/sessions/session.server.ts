import { Cookie, Lucia, TimeSpan } from "lucia";
import type { Services } from "~/context";
import { createKyselyAdapter } from "./lucia-adapter.server";

/**
 * Sessions of a requester signed in with a case reference and secret. This is
 * the one module that knows Lucia (v3 gets no more fixes upstream), so it can
 * be replaced by hand-written session code without touching callers or the
 * `case_session` table.
 *
 * The cookie is a browser-session cookie (gone when the browser closes, which
 * matters on a shared or borrowed device), HttpOnly, SameSite=Strict, and
 * Secure in production. On the server a session ends after 30 minutes
 * without use.
 */
export const CASE_SESSION_COOKIE = "reclaim_case";
export const CASE_SESSION_IDLE_MINUTES = 30;

export interface CaseSession {
  caseId: string;
  /** A Set-Cookie header to send with the response, when the session was extended. */
  setCookie?: string;
}

const lucias = new WeakMap<Services, Lucia>();

function caseLucia(services: Services): Lucia {
  let lucia = lucias.get(services);
  if (!lucia) {
    const adapter = createKyselyAdapter(services.db, {
      sessionTable: "case_session",
      userTable: "case",
      userIdColumn: "case_id",
      now: services.now,
    });
    lucia = new Lucia(adapter, {
      // Lucia extends a session once less than half of this is left.
      sessionExpiresIn: new TimeSpan(CASE_SESSION_IDLE_MINUTES, "m"),
      sessionCookie: {
        name: CASE_SESSION_COOKIE,
        // Lucia turns `expires: false` into a 400-day Max-Age; sessionCookie() below drops it.
        expires: false,
        attributes: { sameSite: "strict", path: "/", secure: services.env.NODE_ENV === "production" },
      },
    });
    lucias.set(services, lucia);
  }
  return lucia;
}

/** The session cookie without Expires or Max-Age, so the browser forgets it when it closes. */
function sessionCookie(lucia: Lucia, sessionId: string): string {
  const { name, value, attributes } = lucia.createSessionCookie(sessionId);
  return new Cookie(name, value, { ...attributes, maxAge: undefined, expires: undefined }).serialize();
}

function blankCookie(lucia: Lucia): string {
  return lucia.createBlankSessionCookie().serialize();
}

function readSessionId(lucia: Lucia, request: Request): string | null {
  const header = request.headers.get("Cookie");
  if (!header) return null;
  try {
    return lucia.readSessionCookie(header) || null;
  } catch {
    // Lucia decodes every cookie in the header; a malformed one is no session, not a server error.
    return null;
  }
}

/**
 * Sign a case in: every other session of the case ends first (a fresh id on
 * each sign-in, and one device at a time). Returns the Set-Cookie header.
 */
export async function createCaseSession(services: Services, caseId: string): Promise<string> {
  const lucia = caseLucia(services);
  await lucia.invalidateUserSessions(caseId);
  const session = await lucia.createSession(caseId, {});
  return sessionCookie(lucia, session.id);
}

/**
 * The signed-in case and, when the session was extended or has ended, a
 * Set-Cookie header: `caseId` is null when the request carries no valid
 * session (an expired or unknown cookie gets a blanking Set-Cookie).
 */
export async function readCaseSession(
  services: Services,
  request: Request,
): Promise<{ caseId: string | null; setCookie?: string }> {
  const lucia = caseLucia(services);
  const sessionId = readSessionId(lucia, request);
  if (!sessionId) return { caseId: null };
  const { session } = await lucia.validateSession(sessionId);
  if (!session) return { caseId: null, setCookie: blankCookie(lucia) };
  return session.fresh ? { caseId: session.userId, setCookie: sessionCookie(lucia, session.id) } : { caseId: session.userId };
}

/** The signed-in case, or null. Use readCaseSession to also blank a stale cookie. */
export async function getCaseSession(services: Services, request: Request): Promise<CaseSession | null> {
  const { caseId, setCookie } = await readCaseSession(services, request);
  if (caseId === null) return null;
  return setCookie ? { caseId, setCookie } : { caseId };
}

/** Sign out: end the session the request carries, and return a Set-Cookie header that blanks the cookie. */
export async function destroyCaseSession(services: Services, request: Request): Promise<string> {
  const lucia = caseLucia(services);
  const sessionId = readSessionId(lucia, request);
  if (sessionId) await lucia.invalidateSession(sessionId);
  return blankCookie(lucia);
}

/** End every session of a case (withdrawal, erasure, a caseworker's reset). */
export async function destroyAllCaseSessions(services: Services, caseId: string): Promise<void> {
  await caseLucia(services).invalidateUserSessions(caseId);
}

/** Housekeeping for the retention job: drop sessions past their expiry. */
export async function deleteExpiredCaseSessions(services: Services): Promise<void> {
  await caseLucia(services).deleteExpiredSessions();
}
