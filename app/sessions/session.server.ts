import { Cookie, Lucia, TimeSpan } from "lucia";
import type { Services } from "~/context";
import { createKyselyAdapter } from "./lucia-adapter.server";
import { servedOverHttps } from "~/env.server";

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
        attributes: { sameSite: "strict", path: "/", secure: servedOverHttps(services.env) },
      },
    });
    lucias.set(services, lucia);
  }
  return lucia;
}

/** The session cookie without Expires or Max-Age, so the browser forgets it when it closes. */
function sessionCookie(lucia: Lucia<any, any>, sessionId: string): string {
  const { name, value, attributes } = lucia.createSessionCookie(sessionId);
  return new Cookie(name, value, { ...attributes, maxAge: undefined, expires: undefined }).serialize();
}

function blankCookie(lucia: Lucia<any, any>): string {
  return lucia.createBlankSessionCookie().serialize();
}

function readSessionId(lucia: Lucia<any, any>, request: Request): string | null {
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

/*
 * Staff sessions: the same cookie rules as a requester's (browser-session,
 * HttpOnly, SameSite=Strict, Secure in production, 30 minutes idle), in a
 * cookie of their own, and with one attribute: whether the second factor was
 * given in this session. Unlike a case, a staff member may be signed in on
 * several devices; "sign out everywhere" ends them all.
 */
export const STAFF_SESSION_COOKIE = "reclaim_staff";
export const STAFF_SESSION_IDLE_MINUTES = 30;

export interface StaffSession {
  userId: string;
  /** The second factor was given in this session. */
  twoFactorVerified: boolean;
  /** A Set-Cookie header to send with the response, when the session was extended. */
  setCookie?: string;
}

interface StaffSessionAttributes {
  two_factor_verified: 0 | 1;
}

const staffLucias = new WeakMap<Services, Lucia<{ twoFactorVerified: boolean }>>();

function staffLucia(services: Services): Lucia<{ twoFactorVerified: boolean }> {
  let lucia = staffLucias.get(services);
  if (!lucia) {
    const adapter = createKyselyAdapter(services.db, {
      sessionTable: "staff_session",
      userTable: "staff_user",
      userIdColumn: "user_id",
      sessionColumns: ["two_factor_verified"],
      now: services.now,
    });
    lucia = new Lucia(adapter, {
      sessionExpiresIn: new TimeSpan(STAFF_SESSION_IDLE_MINUTES, "m"),
      sessionCookie: {
        name: STAFF_SESSION_COOKIE,
        expires: false,
        attributes: { sameSite: "strict", path: "/", secure: servedOverHttps(services.env) },
      },
      // PostgreSQL and SQLite both hand the flag back as a number.
      getSessionAttributes: (attributes) => ({ twoFactorVerified: Number((attributes as Partial<StaffSessionAttributes>).two_factor_verified) === 1 }),
    });
    staffLucias.set(services, lucia);
  }
  return lucia;
}

/**
 * Sign a staff member in: always a new session id (the one an attacker may
 * have planted before sign-in is worth nothing), and the session the request
 * carried, if any, ends. Returns the Set-Cookie header.
 */
export async function createStaffSession(
  services: Services,
  userId: string,
  { twoFactorVerified, request }: { twoFactorVerified: boolean; request?: Request },
): Promise<string> {
  const lucia = staffLucia(services);
  const previous = request ? readSessionId(lucia, request) : null;
  if (previous) await lucia.invalidateSession(previous);
  const attributes: StaffSessionAttributes = { two_factor_verified: twoFactorVerified ? 1 : 0 };
  const session = await lucia.createSession(userId, attributes as never);
  return sessionCookie(lucia, session.id);
}

/**
 * The signed-in staff member and, when the session was extended or has ended,
 * a Set-Cookie header: `session` is null when the request carries no valid
 * session (an expired or unknown cookie gets a blanking Set-Cookie).
 */
export async function readStaffSession(services: Services, request: Request): Promise<{ session: StaffSession | null; setCookie?: string }> {
  const lucia = staffLucia(services);
  const sessionId = readSessionId(lucia, request);
  if (!sessionId) return { session: null };
  const { session } = await lucia.validateSession(sessionId);
  if (!session) return { session: null, setCookie: blankCookie(lucia) };
  // Lucia's Session type only knows attributes registered globally; this Lucia adds twoFactorVerified.
  const { twoFactorVerified } = session as typeof session & { twoFactorVerified: boolean };
  const found: StaffSession = { userId: session.userId, twoFactorVerified };
  if (session.fresh) found.setCookie = sessionCookie(lucia, session.id);
  return { session: found, setCookie: found.setCookie };
}

/** The signed-in staff member, or null. Use readStaffSession to also blank a stale cookie. */
export async function getStaffSession(services: Services, request: Request): Promise<StaffSession | null> {
  return (await readStaffSession(services, request)).session;
}

/**
 * The second factor was given: the session is replaced by a new one (new id)
 * that says so, so an id seen before the second factor is worth nothing after.
 * Returns the new Set-Cookie header, or null when the request has no valid session.
 */
export async function markStaffSessionTwoFactorVerified(services: Services, request: Request): Promise<string | null> {
  const lucia = staffLucia(services);
  const sessionId = readSessionId(lucia, request);
  if (!sessionId) return null;
  const { session } = await lucia.validateSession(sessionId);
  if (!session) return null;
  await lucia.invalidateSession(sessionId);
  const attributes: StaffSessionAttributes = { two_factor_verified: 1 };
  const fresh = await lucia.createSession(session.userId, attributes as never);
  return sessionCookie(lucia, fresh.id);
}

/** Sign out: end the session the request carries, and return a Set-Cookie header that blanks the cookie. */
export async function destroyStaffSession(services: Services, request: Request): Promise<string> {
  const lucia = staffLucia(services);
  const sessionId = readSessionId(lucia, request);
  if (sessionId) await lucia.invalidateSession(sessionId);
  return blankCookie(lucia);
}

/** Sign out everywhere: end every session of the staff member (also on disabling or resetting an account). */
export async function destroyAllStaffSessions(services: Services, userId: string): Promise<void> {
  await staffLucia(services).invalidateUserSessions(userId);
}

/** A Set-Cookie header that blanks the staff cookie. */
export function blankStaffSessionCookie(services: Services): string {
  return blankCookie(staffLucia(services));
}

/** Housekeeping for the retention job: drop staff sessions past their expiry. */
export async function deleteExpiredStaffSessions(services: Services): Promise<void> {
  await staffLucia(services).deleteExpiredSessions();
}
