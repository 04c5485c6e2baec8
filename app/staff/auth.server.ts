import { redirect, type AppLoadContext } from "@remix-run/node";
import type { Services } from "~/context";
import type { StaffRole } from "~/db/schema";
import { blankStaffSessionCookie, destroyStaffSession, readStaffSession } from "~/sessions/session.server";
import { can, TWO_FACTOR_ROLES, type PermissionTarget, type StaffIdentity } from "./permissions";

/**
 * Who is signed in on the staff side, and what they may reach. Every staff
 * loader and action starts with requireStaff; the permission check is the
 * server's, whatever the page shows.
 */

export const STAFF_SIGN_IN_PATH = "/staff/sign-in";
export const TWO_FACTOR_PATH = "/staff/two-factor";
export const TWO_FACTOR_SETUP_PATH = "/staff/two-factor/setup";

/** What stands between a signed-in staff member and their pages: nothing, or the second factor. */
export type PendingStep = null | "two-factor" | "two-factor-setup";

export interface StaffSignedIn {
  user: StaffIdentity;
  /** Set-Cookie headers (a refreshed session): put them on the response. */
  headers: Headers;
  twoFactorVerified: boolean;
  /** A second factor is enrolled (TOTP). */
  twoFactorEnrolled: boolean;
  /** Null when the user may use the staff pages; otherwise the step still to take. */
  pending: PendingStep;
}

export function requiresTwoFactor(role: StaffRole, enrolled: boolean): boolean {
  // A support worker who enrolled voluntarily gives the second factor too.
  return TWO_FACTOR_ROLES.includes(role) || enrolled;
}

/**
 * The signed-in staff member, whether or not the second factor is still to
 * come, or null (no session, an ended one, or a disabled account). Never throws
 * a redirect: pages that sign in or take the second factor use it.
 */
export async function getStaffUser(context: Services, request: Request): Promise<StaffSignedIn | null> {
  return (await resolveStaff(context, request)).signedIn;
}

/** The signed-in staff member or null, and the headers to send either way (a refreshed or a blanked cookie). */
async function resolveStaff(context: Services, request: Request): Promise<{ signedIn: StaffSignedIn | null; headers: Headers }> {
  const { session, setCookie } = await readStaffSession(context, request);
  const headers = new Headers();
  if (setCookie) headers.append("Set-Cookie", setCookie);
  if (!session) return { signedIn: null, headers };
  const row = await context.db
    .selectFrom("staff_user")
    .select(["id", "organisation_id", "role", "display_name", "disabled_at", "totp_enabled_at", "password_hash"])
    .where("id", "=", session.userId)
    .executeTakeFirst();
  if (!row || row.disabled_at !== null || row.password_hash === null) {
    // Disabling ends sessions too; this covers a session that raced it.
    await destroyStaffSession(context, request);
    return { signedIn: null, headers: new Headers([["Set-Cookie", blankStaffSessionCookie(context)]]) };
  }
  const enrolled = row.totp_enabled_at !== null;
  const pending: PendingStep =
    requiresTwoFactor(row.role, enrolled) && !session.twoFactorVerified ? (enrolled ? "two-factor" : "two-factor-setup") : null;
  return {
    signedIn: {
      user: { id: row.id, organisationId: row.organisation_id, role: row.role, displayName: row.display_name },
      headers,
      twoFactorVerified: session.twoFactorVerified,
      twoFactorEnrolled: enrolled,
      pending,
    },
    headers,
  };
}

/**
 * The signed-in staff member, fully authenticated, allowed to do `permission`
 * (`action:resource`, e.g. "read:queue") on `target` when given. Otherwise:
 * no session → redirect to sign-in; second factor missing → redirect to it
 * (or to enrolment); permission refused → 403.
 */
export async function requireStaff(
  context: AppLoadContext | Services,
  request: Request,
  { permission, target }: { permission?: string; target?: PermissionTarget } = {},
): Promise<{ user: StaffIdentity; headers: Headers }> {
  const { signedIn, headers } = await resolveStaff(context, request);
  if (!signedIn) throw redirect(STAFF_SIGN_IN_PATH, { headers });
  if (signedIn.pending === "two-factor") throw redirect(TWO_FACTOR_PATH, { headers: signedIn.headers });
  if (signedIn.pending === "two-factor-setup") throw redirect(TWO_FACTOR_SETUP_PATH, { headers: signedIn.headers });
  if (permission && !can(signedIn.user, permission, target)) throw forbidden();
  return { user: signedIn.user, headers: signedIn.headers };
}

/** A 403 the root error boundary shows as "You do not have access to this page". */
export function forbidden(): Response {
  return new Response(null, { status: 403, statusText: "Forbidden" });
}

/** Where each role starts. */
export function startPage(user: Pick<StaffIdentity, "role">): string {
  switch (user.role) {
    case "support_worker":
      return "/staff/filed";
    case "caseworker":
    case "supervisor":
      return "/staff/queue";
    case "administrator":
      return "/staff/admin";
  }
}
