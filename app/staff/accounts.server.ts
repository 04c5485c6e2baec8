import { randomBytes, randomUUID } from "node:crypto";
import { sha256 } from "@oslojs/crypto/sha2";
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from "@oslojs/encoding";
import { z } from "zod";
import { recordAudit } from "~/audit/audit.server";
import type { FieldError } from "~/cases/request";
import type { Services } from "~/context";
import type { Db } from "~/db/db.server";
import { STAFF_ROLES, type StaffRole, type StaffUser } from "~/db/schema";
import { enqueueMail } from "~/mail/outbox.server";
import type { Vault } from "~/privacy/vault.server";
import { createStaffSession, destroyAllStaffSessions } from "~/sessions/session.server";
import { hashPassword, passwordProblem } from "./passwords.server";
import type { StaffIdentity } from "./permissions";

/**
 * Staff accounts: created by the command line or by an administrator, set up
 * by their owner through a one-time link (a password is never chosen for
 * anyone, nor typed on a command line), disabled, and reset with a new link.
 */

/** A set-up (or invitation) link works this long. */
export const SETUP_LINK_DAYS = 7;
export const MAX_EMAIL_LENGTH = 254;
export const MAX_NAME_LENGTH = 200;

const EMAIL_CONTEXT = "staff_user.email_enc";
const EMAIL_INDEX_CONTEXT = "staff_user.email";

export function emailIndex(vault: Vault, email: string): string {
  return vault.blindIndex(email.trim().toLowerCase(), EMAIL_INDEX_CONTEXT);
}

export function decryptEmail(vault: Vault, emailEnc: string): string {
  return vault.decrypt(emailEnc, EMAIL_CONTEXT);
}

/** The stored form of a set-up link's token. */
export function hashToken(token: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(token)));
}

/** 160 random bits, lower-case base32: safe in a URL path, readable when copied by hand. */
function newToken(): string {
  return encodeBase32LowerCaseNoPadding(randomBytes(20));
}

/** Where a set-up link points: PUBLIC_URL, or this machine when none is configured. */
export function setupLinkUrl(env: Pick<Services["env"], "PUBLIC_URL" | "PORT">, token: string): string {
  return `${(env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, "")}/staff/setup/${token}`;
}

/** "admin" is accepted for "administrator", and dashes for underscores, on the command line. */
export function parseRole(value: string): StaffRole | null {
  const role = value.trim().toLowerCase().replaceAll("-", "_");
  if (role === "admin") return "administrator";
  return (STAFF_ROLES as readonly string[]).includes(role) ? (role as StaffRole) : null;
}

const newUserSchema = z.object({
  email: z
    .string({ required_error: "staff:users.errors.email" })
    .trim()
    .max(MAX_EMAIL_LENGTH, "staff:users.errors.emailTooLong")
    .email("staff:users.errors.email"),
  displayName: z
    .string({ required_error: "staff:users.errors.name" })
    .trim()
    .min(1, "staff:users.errors.name")
    .max(MAX_NAME_LENGTH, "staff:users.errors.nameTooLong"),
  role: z.enum(STAFF_ROLES, { errorMap: () => ({ message: "staff:users.errors.role" }) }),
});

export interface NewStaffUser {
  organisationId: string;
  role: string;
  email: string;
  displayName: string;
  /** Who created the account: an administrator's id, or null for the command line. */
  invitedBy: StaffIdentity | null;
  /** The mail goes out in this language. */
  language?: string;
  /** Queue a (neutral) invitation e-mail. */
  sendInvitation?: boolean;
}

export type CreatedStaffUser = { ok: true; userId: string; token: string; link: string; expiresAt: string } | { ok: false; errors: FieldError[] };

/**
 * Create an account with a one-time set-up link (valid SETUP_LINK_DAYS days).
 * The token is returned once, to be handed over; only its hash is stored.
 */
export async function createStaffUser(services: Services, input: NewStaffUser, outer?: Db): Promise<CreatedStaffUser> {
  const parsed = newUserSchema.safeParse({ email: input.email, displayName: input.displayName, role: input.role });
  if (!parsed.success) {
    return { ok: false, errors: parsed.error.issues.map((issue) => ({ field: String(issue.path[0]), key: issue.message })) };
  }
  const { email, displayName, role } = parsed.data;
  const bidx = emailIndex(services.vault, email);
  const token = newToken();
  const now = services.now();
  const expiresAt = addDays(now, SETUP_LINK_DAYS);
  const userId = randomUUID();

  const work = async (db: Db): Promise<CreatedStaffUser> => {
    const organisation = await db.selectFrom("organisation").select("id").where("id", "=", input.organisationId).executeTakeFirst();
    if (!organisation) return { ok: false, errors: [{ field: "organisation", key: "staff:users.errors.organisation" }] };
    const taken = await db.selectFrom("staff_user").select("id").where("email_bidx", "=", bidx).executeTakeFirst();
    if (taken) return { ok: false, errors: [{ field: "email", key: "staff:users.errors.emailTaken" }] };
    await db
      .insertInto("staff_user")
      .values({
        id: userId,
        organisation_id: input.organisationId,
        role,
        display_name: displayName,
        email_enc: services.vault.encrypt(email, EMAIL_CONTEXT),
        email_bidx: bidx,
        password_hash: null,
        totp_key_enc: null,
        totp_enabled_at: null,
        recovery_codes: "[]",
        failed_attempts: 0,
        locked_until: null,
        setup_token_hash: hashToken(token),
        setup_expires_at: expiresAt,
        invited_by: input.invitedBy?.id ?? null,
        created_at: now.toISOString(),
        disabled_at: null,
      })
      .execute();
    if (input.sendInvitation) await enqueueMail({ ...services, db }, { to: email, template: "invitation", language: input.language ?? "en" });
    await recordAudit(
      services,
      {
        actorKind: input.invitedBy ? "staff" : "system",
        actorId: input.invitedBy?.id ?? null,
        organisationId: input.organisationId,
        action: "staff.user.invite",
        details: { userId, role },
      },
      db,
    );
    return { ok: true, userId, token, link: setupLinkUrl(services.env, token), expiresAt };
  };
  try {
    return outer ? await work(outer) : await services.db.transaction().execute(work);
  } catch (error) {
    // Two invitations of one address at the same moment: the unique index decides.
    if (await services.db.selectFrom("staff_user").select("id").where("email_bidx", "=", bidx).executeTakeFirst()) {
      return { ok: false, errors: [{ field: "email", key: "staff:users.errors.emailTaken" }] };
    }
    throw error;
  }
}

export type SetupLinkState =
  | { state: "valid"; userId: string; displayName: string; email: string; expiresAt: string }
  | { state: "expired" }
  | { state: "invalid" };

/** What a set-up link leads to. A used link is gone (its hash is cleared), so it reads as invalid. */
export async function readSetupLink(services: Services, token: string): Promise<SetupLinkState> {
  if (!/^[a-z2-7]{16,64}$/.test(token)) return { state: "invalid" };
  const row = await services.db
    .selectFrom("staff_user")
    .select(["id", "display_name", "email_enc", "setup_expires_at", "disabled_at"])
    .where("setup_token_hash", "=", hashToken(token))
    .executeTakeFirst();
  if (!row || row.disabled_at !== null || row.setup_expires_at === null) return { state: "invalid" };
  if (row.setup_expires_at <= services.now().toISOString()) return { state: "expired" };
  return { state: "valid", userId: row.id, displayName: row.display_name, email: decryptEmail(services.vault, row.email_enc), expiresAt: row.setup_expires_at };
}

export type SetupResult = { ok: true; setCookie: string } | { ok: false; errors: FieldError[] } | { ok: false; link: "expired" | "invalid" };

/**
 * Set the password through a one-time link, and sign in. The link is used up
 * in the same conditional update that sets the password, so two submissions
 * of one link cannot both succeed; every other session of the account ends.
 */
export async function completeSetup(
  services: Services,
  { token, password, confirm, request }: { token: string; password: string; confirm: string; request?: Request },
): Promise<SetupResult> {
  const link = await readSetupLink(services, token);
  if (link.state !== "valid") return { ok: false, link: link.state };
  const problem = passwordProblem(password);
  if (problem) return { ok: false, errors: [problem] };
  if (password !== confirm) return { ok: false, errors: [{ field: "confirm", key: "staff:setup.errors.mismatch" }] };

  const passwordHash = await hashPassword(password);
  const now = services.now().toISOString();
  const used = await services.db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable("staff_user")
      .set({ password_hash: passwordHash, setup_token_hash: null, setup_expires_at: null, failed_attempts: 0, locked_until: null })
      .where("id", "=", link.userId)
      .where("setup_token_hash", "=", hashToken(token))
      .where("setup_expires_at", ">", now)
      .where("disabled_at", "is", null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return null;
    const user = await trx.selectFrom("staff_user").select(["organisation_id"]).where("id", "=", link.userId).executeTakeFirstOrThrow();
    await recordAudit(services, { actorKind: "staff", actorId: link.userId, organisationId: user.organisation_id, action: "staff.user.setup" }, trx);
    return user;
  });
  if (!used) return { ok: false, link: "invalid" };
  await destroyAllStaffSessions(services, link.userId);
  return { ok: true, setCookie: await createStaffSession(services, link.userId, { twoFactorVerified: false, request }) };
}

export type StaffUserState = "active" | "invited" | "invitation_expired" | "locked" | "disabled";

export interface StaffUserSummary {
  id: string;
  displayName: string;
  email: string;
  role: StaffRole;
  state: StaffUserState;
  twoFactorEnrolled: boolean;
  createdAt: string;
}

export function userState(row: Pick<StaffUser, "disabled_at" | "password_hash" | "setup_expires_at" | "locked_until">, now: Date): StaffUserState {
  const at = now.toISOString();
  if (row.disabled_at !== null) return "disabled";
  if (row.password_hash === null) return row.setup_expires_at !== null && row.setup_expires_at > at ? "invited" : "invitation_expired";
  if (row.locked_until !== null && row.locked_until > at) return "locked";
  return "active";
}

/** The accounts of one organisation, by name. */
export async function listStaffUsers(services: Services, organisationId: string): Promise<StaffUserSummary[]> {
  const rows = await services.db
    .selectFrom("staff_user")
    .select(["id", "display_name", "email_enc", "role", "disabled_at", "password_hash", "setup_expires_at", "locked_until", "totp_enabled_at", "created_at"])
    .where("organisation_id", "=", organisationId)
    .execute();
  const now = services.now();
  return rows
    .map((row) => ({
      id: row.id,
      displayName: row.display_name,
      email: decryptEmail(services.vault, row.email_enc),
      role: row.role,
      state: userState(row, now),
      twoFactorEnrolled: row.totp_enabled_at !== null,
      createdAt: row.created_at,
    }))
    .sort((a, b) => a.displayName.localeCompare(b.displayName) || a.email.localeCompare(b.email));
}

export interface AccountView {
  displayName: string;
  email: string;
  role: StaffRole;
  organisationName: string;
  twoFactorEnrolled: boolean;
  recoveryCodesLeft: number;
}

/** What the account page shows its owner. */
export async function accountView(services: Services, userId: string): Promise<AccountView> {
  const row = await services.db
    .selectFrom("staff_user")
    .innerJoin("organisation", "organisation.id", "staff_user.organisation_id")
    .select(["staff_user.display_name", "staff_user.email_enc", "staff_user.role", "staff_user.totp_enabled_at", "staff_user.recovery_codes", "organisation.name"])
    .where("staff_user.id", "=", userId)
    .executeTakeFirstOrThrow();
  return {
    displayName: row.display_name,
    email: decryptEmail(services.vault, row.email_enc),
    role: row.role,
    organisationName: row.name,
    twoFactorEnrolled: row.totp_enabled_at !== null,
    recoveryCodesLeft: (JSON.parse(row.recovery_codes) as string[]).length,
  };
}

/** An administrator's change to an account of their own organisation; someone else's is refused as if it did not exist. */
export type AccountChange = { ok: true } | { ok: false; error: "not_found" | "self" };

async function userOfOrganisation(db: Db, admin: StaffIdentity, userId: string) {
  return db
    .selectFrom("staff_user")
    .select(["id", "role", "disabled_at"])
    .where("id", "=", userId)
    .where("organisation_id", "=", admin.organisationId)
    .executeTakeFirst();
}

/** Disable an account: it can no longer sign in, its sessions end, an open set-up link dies. */
export async function disableStaffUser(services: Services, admin: StaffIdentity, userId: string): Promise<AccountChange> {
  if (userId === admin.id) return { ok: false, error: "self" };
  const done = await services.db.transaction().execute(async (trx) => {
    const user = await userOfOrganisation(trx, admin, userId);
    if (!user) return false;
    if (user.disabled_at === null) {
      await trx
        .updateTable("staff_user")
        .set({ disabled_at: services.now().toISOString(), setup_token_hash: null, setup_expires_at: null })
        .where("id", "=", userId)
        .execute();
      await recordAudit(services, { actorKind: "staff", actorId: admin.id, organisationId: admin.organisationId, action: "staff.user.disable", details: { userId } }, trx);
    }
    return true;
  });
  if (!done) return { ok: false, error: "not_found" };
  await destroyAllStaffSessions(services, userId);
  return { ok: true };
}

/** Enable a disabled account again (its password and second factor are as they were). */
export async function enableStaffUser(services: Services, admin: StaffIdentity, userId: string): Promise<AccountChange> {
  return services.db.transaction().execute(async (trx) => {
    const user = await userOfOrganisation(trx, admin, userId);
    if (!user) return { ok: false, error: "not_found" } as const;
    if (user.disabled_at !== null) {
      await trx.updateTable("staff_user").set({ disabled_at: null, failed_attempts: 0, locked_until: null }).where("id", "=", userId).execute();
      await recordAudit(services, { actorKind: "staff", actorId: admin.id, organisationId: admin.organisationId, action: "staff.user.enable", details: { userId } }, trx);
    }
    return { ok: true } as const;
  });
}

/**
 * A new set-up link for an account (an invitation that expired, a forgotten
 * password, a lost authenticator): the password, the second factor and the
 * recovery codes are cleared and every session ends, so the owner starts
 * again from the link.
 */
export async function resetStaffUser(
  services: Services,
  admin: StaffIdentity,
  userId: string,
): Promise<{ ok: true; link: string; expiresAt: string; displayName: string } | { ok: false; error: "not_found" | "self" | "disabled" }> {
  if (userId === admin.id) return { ok: false, error: "self" };
  const token = newToken();
  const expiresAt = addDays(services.now(), SETUP_LINK_DAYS);
  const result = await services.db.transaction().execute(async (trx) => {
    const user = await userOfOrganisation(trx, admin, userId);
    if (!user) return { ok: false, error: "not_found" } as const;
    if (user.disabled_at !== null) return { ok: false, error: "disabled" } as const;
    await trx
      .updateTable("staff_user")
      .set({
        password_hash: null,
        totp_key_enc: null,
        totp_enabled_at: null,
        recovery_codes: "[]",
        failed_attempts: 0,
        locked_until: null,
        setup_token_hash: hashToken(token),
        setup_expires_at: expiresAt,
      })
      .where("id", "=", userId)
      .execute();
    await recordAudit(services, { actorKind: "staff", actorId: admin.id, organisationId: admin.organisationId, action: "staff.user.reset", details: { userId } }, trx);
    const { display_name } = await trx.selectFrom("staff_user").select("display_name").where("id", "=", userId).executeTakeFirstOrThrow();
    return { ok: true, displayName: display_name } as const;
  });
  if (!result.ok) return result;
  await destroyAllStaffSessions(services, userId);
  return { ok: true, link: setupLinkUrl(services.env, token), expiresAt, displayName: result.displayName };
}

function addDays(date: Date, days: number): string {
  return new Date(date.getTime() + days * 24 * 60 * 60_000).toISOString();
}
