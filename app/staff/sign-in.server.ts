import { sql } from "kysely";
import { recordAudit } from "~/audit/audit.server";
import type { Services } from "~/context";
import { createStaffSession, destroyAllStaffSessions, destroyStaffSession } from "~/sessions/session.server";
import { requiresTwoFactor, startPage, TWO_FACTOR_PATH, TWO_FACTOR_SETUP_PATH } from "./auth.server";
import { emailIndex } from "./accounts.server";
import { dummyVerify, verifyPassword } from "./passwords.server";

/**
 * Staff sign-in with an e-mail address and a password. Every way of failing
 * looks the same from outside — unknown address, wrong password, locked or
 * disabled account: the same answer, after the same argon2 work.
 *
 * Guessing is limited per account: after LOCK_AFTER_FAILURES failures in a
 * row (passwords and second-factor codes count alike) the account is locked
 * for LOCK_MINUTES. Each attempt is claimed before the password is checked,
 * so parallel guesses cannot get past the limit.
 */
export const LOCK_AFTER_FAILURES = 5;
export const LOCK_MINUTES = 15;

export type StaffSignInResult = { ok: true; userId: string; setCookie: string; next: string } | { ok: false };

export async function signInStaff(
  services: Services,
  { email, password, request }: { email: string; password: string; request?: Request },
): Promise<StaffSignInResult> {
  const user = email.trim()
    ? await services.db
        .selectFrom("staff_user")
        .select(["id", "organisation_id", "role", "password_hash", "disabled_at", "totp_enabled_at"])
        .where("email_bidx", "=", emailIndex(services.vault, email))
        .executeTakeFirst()
    : undefined;
  if (!user || user.password_hash === null || user.disabled_at !== null) {
    await dummyVerify(password);
    return { ok: false };
  }
  const attempt = await claimAttempt(services, user.id);
  if (attempt === null) {
    await dummyVerify(password);
    return { ok: false };
  }
  if (!(await verifyPassword(user.password_hash, password))) {
    await recordFailure(services, { id: user.id, organisationId: user.organisation_id }, attempt, "password");
    return { ok: false };
  }
  await clearFailures(services, user.id);
  const enrolled = user.totp_enabled_at !== null;
  const twoFactor = requiresTwoFactor(user.role, enrolled);
  // Not yet verified when a second factor is due; verified is never granted by a password alone.
  const setCookie = await createStaffSession(services, user.id, { twoFactorVerified: false, request });
  await recordAudit(services, { actorKind: "staff", actorId: user.id, organisationId: user.organisation_id, action: "staff.sign_in", details: { twoFactorPending: twoFactor } });
  return { ok: true, userId: user.id, setCookie, next: twoFactor ? (enrolled ? TWO_FACTOR_PATH : TWO_FACTOR_SETUP_PATH) : startPage(user) };
}

/**
 * Count an attempt before checking it. Returns its number in the current run
 * of failures, or null when the account is locked (or the run is already
 * over the limit because of parallel attempts).
 */
export async function claimAttempt(services: Pick<Services, "db" | "now">, userId: string): Promise<number | null> {
  const now = services.now().toISOString();
  const row = await services.db
    .updateTable("staff_user")
    .set({ failed_attempts: sql<number>`failed_attempts + 1`, locked_until: null })
    .where("id", "=", userId)
    .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<=", now)]))
    .returning("failed_attempts")
    .executeTakeFirst();
  if (!row) return null;
  if (row.failed_attempts > LOCK_AFTER_FAILURES) {
    // Attempts that raced past the limit lock the account themselves, so a run that never finished cannot leave it stuck.
    const until = new Date(services.now().getTime() + LOCK_MINUTES * 60_000).toISOString();
    await services.db
      .updateTable("staff_user")
      .set({ locked_until: until, failed_attempts: 0 })
      .where("id", "=", userId)
      .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<=", now)]))
      .execute();
    return null;
  }
  return row.failed_attempts;
}

/** The attempt failed: at the limit, lock the account and end its sessions. */
export async function recordFailure(
  services: Services,
  user: { id: string; organisationId: string },
  attempt: number,
  factor: "password" | "two_factor",
): Promise<{ locked: boolean }> {
  await recordAudit(services, { actorKind: "staff", actorId: user.id, organisationId: user.organisationId, action: "staff.sign_in.fail", details: { factor, attempt } });
  if (attempt < LOCK_AFTER_FAILURES) return { locked: false };
  const until = new Date(services.now().getTime() + LOCK_MINUTES * 60_000).toISOString();
  await services.db.updateTable("staff_user").set({ locked_until: until, failed_attempts: 0 }).where("id", "=", user.id).execute();
  await destroyAllStaffSessions(services, user.id);
  await recordAudit(services, { actorKind: "system", actorId: null, organisationId: user.organisationId, action: "staff.lock", details: { userId: user.id, minutes: LOCK_MINUTES } });
  return { locked: true };
}

export async function clearFailures(services: Pick<Services, "db">, userId: string): Promise<void> {
  await services.db.updateTable("staff_user").set({ failed_attempts: 0, locked_until: null }).where("id", "=", userId).execute();
}

/** Sign out of this browser. Returns the Set-Cookie header that blanks the cookie. */
export async function signOutStaff(services: Services, request: Request, user: { id: string; organisationId: string } | null): Promise<string> {
  const setCookie = await destroyStaffSession(services, request);
  if (user) await recordAudit(services, { actorKind: "staff", actorId: user.id, organisationId: user.organisationId, action: "staff.sign_out" });
  return setCookie;
}

/** Sign out on every device. Returns the Set-Cookie header that blanks this browser's cookie. */
export async function signOutEverywhere(services: Services, request: Request, user: { id: string; organisationId: string }): Promise<string> {
  await destroyAllStaffSessions(services, user.id);
  await recordAudit(services, { actorKind: "staff", actorId: user.id, organisationId: user.organisationId, action: "staff.sign_out_everywhere" });
  return destroyStaffSession(services, request);
}
