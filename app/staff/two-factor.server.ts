import { randomBytes } from "node:crypto";
import { sha256 } from "@oslojs/crypto/sha2";
import { decodeBase32IgnorePadding, encodeBase32LowerCaseNoPadding, encodeBase32UpperCaseNoPadding, encodeHexLowerCase } from "@oslojs/encoding";
import { createTOTPKeyURI, verifyHOTP } from "@oslojs/otp";
import QRCode from "qrcode";
import { recordAudit } from "~/audit/audit.server";
import type { Services } from "~/context";
import { servedOverHttps } from "~/env.server";
import { destroyStaffSession, markStaffSessionTwoFactorVerified } from "~/sessions/session.server";
import { decryptEmail } from "./accounts.server";
import type { StaffIdentity } from "./permissions";
import { claimAttempt, clearFailures, recordFailure } from "./sign-in.server";

/**
 * The second factor: TOTP (RFC 6238: HMAC-SHA-1, 30-second steps, 6 digits,
 * what every authenticator app speaks), with ten one-time recovery codes for
 * a lost phone. Wrong codes count towards the same lock as wrong passwords.
 */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Codes of the step before and after are accepted too: clocks drift and people type slowly. */
const TOTP_WINDOW_STEPS = 1;
export const RECOVERY_CODE_COUNT = 10;
export const TOTP_ISSUER = "Reclaim";

const TOTP_KEY_CONTEXT = "staff_user.totp_key_enc";

export interface TotpEnrolment {
  /** The key as people type it into an app: base32, in groups of four. */
  keyText: string;
  /** The otpauth:// URI the QR code carries. */
  uri: string;
  /** The QR code as an SVG element, drawn here (no third-party service), marked aria-hidden. */
  qrSvg: string;
}

/**
 * Start (or resume) enrolment: a new key is made once and kept, encrypted, until
 * confirmed, so a reload shows the same QR code the phone may already have read.
 * Null when a second factor is already enrolled.
 */
export async function startTotpEnrolment(services: Services, userId: string): Promise<TotpEnrolment | null> {
  const row = await services.db.selectFrom("staff_user").select(["email_enc", "totp_key_enc", "totp_enabled_at"]).where("id", "=", userId).executeTakeFirstOrThrow();
  if (row.totp_enabled_at !== null) return null;
  let key: Uint8Array;
  if (row.totp_key_enc) {
    key = decodeKey(services.vault.decrypt(row.totp_key_enc, TOTP_KEY_CONTEXT));
  } else {
    key = new Uint8Array(randomBytes(20));
    const stored = services.vault.encrypt(encodeBase32UpperCaseNoPadding(key), TOTP_KEY_CONTEXT);
    // Only if no other request made a key meanwhile; then use that one.
    const result = await services.db
      .updateTable("staff_user")
      .set({ totp_key_enc: stored })
      .where("id", "=", userId)
      .where("totp_key_enc", "is", null)
      .where("totp_enabled_at", "is", null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return startTotpEnrolment(services, userId);
  }
  const uri = createTOTPKeyURI(TOTP_ISSUER, decryptEmail(services.vault, row.email_enc), key, TOTP_PERIOD_SECONDS, TOTP_DIGITS);
  const svg = await QRCode.toString(uri, { type: "svg", margin: 2, errorCorrectionLevel: "M" });
  return {
    keyText: encodeBase32UpperCaseNoPadding(key).match(/.{1,4}/g)!.join(" "),
    uri,
    qrSvg: svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" class="qr-code__svg" '),
  };
}

export type EnrolmentResult = { ok: true; recoveryCodes: string[]; setCookie: string | null } | { ok: false; error: "code" | "locked" | "not_pending" };

/**
 * Confirm enrolment with a code from the app: the second factor is on, ten
 * recovery codes are made (returned once, stored hashed), and the session
 * is replaced by one that has given the second factor.
 */
export async function confirmTotpEnrolment(services: Services, user: StaffIdentity, code: string, request: Request): Promise<EnrolmentResult> {
  const row = await services.db.selectFrom("staff_user").select(["totp_key_enc", "totp_enabled_at"]).where("id", "=", user.id).executeTakeFirstOrThrow();
  if (row.totp_enabled_at !== null || !row.totp_key_enc) return { ok: false, error: "not_pending" };
  const attempt = await claimAttempt(services, user.id);
  if (attempt === null) return { ok: false, error: "locked" };
  if (!totpMatches(decodeKey(services.vault.decrypt(row.totp_key_enc, TOTP_KEY_CONTEXT)), code, services.now())) {
    const { locked } = await recordFailure(services, user, attempt, "two_factor");
    return { ok: false, error: locked ? "locked" : "code" };
  }
  const recoveryCodes = newRecoveryCodes();
  const enabled = await services.db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable("staff_user")
      .set({ totp_enabled_at: services.now().toISOString(), recovery_codes: JSON.stringify(recoveryCodes.map(hashRecoveryCode)), failed_attempts: 0, locked_until: null })
      .where("id", "=", user.id)
      .where("totp_key_enc", "=", row.totp_key_enc)
      .where("totp_enabled_at", "is", null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return false;
    await recordAudit(services, { actorKind: "staff", actorId: user.id, organisationId: user.organisationId, action: "staff.two_factor.enrol" }, trx);
    return true;
  });
  if (!enabled) return { ok: false, error: "not_pending" };
  return { ok: true, recoveryCodes, setCookie: await markStaffSessionTwoFactorVerified(services, request) };
}

export type SecondFactorResult =
  | { ok: true; setCookie: string | null; recoveryCodeUsed: boolean; recoveryCodesLeft: number }
  | { ok: false; locked: boolean; setCookie?: string };

/**
 * Check the second factor at sign-in: a code from the app, or one of the
 * recovery codes (which is then used up). On success the session is replaced
 * by one that has given the second factor. When the account locks, the
 * session ends too.
 */
export async function verifySecondFactor(services: Services, user: StaffIdentity, input: string, request: Request): Promise<SecondFactorResult> {
  const row = await services.db.selectFrom("staff_user").select(["totp_key_enc", "totp_enabled_at", "recovery_codes"]).where("id", "=", user.id).executeTakeFirstOrThrow();
  if (row.totp_enabled_at === null || !row.totp_key_enc) return { ok: false, locked: false };
  const attempt = await claimAttempt(services, user.id);
  if (attempt === null) return { ok: false, locked: true, setCookie: await destroyStaffSession(services, request) };

  const code = input.normalize("NFKC").replace(/[\s-]/g, "");
  let recoveryCodeUsed = false;
  let ok = false;
  let left = (JSON.parse(row.recovery_codes) as string[]).length;
  if (/^\d{6}$/.test(code)) {
    ok = totpMatches(decodeKey(services.vault.decrypt(row.totp_key_enc, TOTP_KEY_CONTEXT)), code, services.now());
  } else if (code.length > 0) {
    const used = await useRecoveryCode(services, user.id, code);
    if (used !== null) {
      ok = true;
      recoveryCodeUsed = true;
      left = used;
    }
  }
  if (!ok) {
    const { locked } = await recordFailure(services, user, attempt, "two_factor");
    return locked ? { ok: false, locked, setCookie: await destroyStaffSession(services, request) } : { ok: false, locked };
  }
  await clearFailures(services, user.id);
  await recordAudit(services, {
    actorKind: "staff",
    actorId: user.id,
    organisationId: user.organisationId,
    action: recoveryCodeUsed ? "staff.recovery_code.use" : "staff.two_factor.verify",
    details: recoveryCodeUsed ? { recoveryCodesLeft: left } : undefined,
  });
  return { ok: true, setCookie: await markStaffSessionTwoFactorVerified(services, request), recoveryCodeUsed, recoveryCodesLeft: left };
}

/** Whether `code` is the TOTP of `key` at `now`, give or take one step. */
export function totpMatches(key: Uint8Array, code: string, now: Date): boolean {
  const step = BigInt(Math.floor(now.getTime() / 1000 / TOTP_PERIOD_SECONDS));
  for (let offset = -TOTP_WINDOW_STEPS; offset <= TOTP_WINDOW_STEPS; offset++) {
    if (verifyHOTP(key, step + BigInt(offset), TOTP_DIGITS, code)) return true;
  }
  return false;
}

/**
 * Use up a recovery code: removed in a conditional update of the list as it
 * was read, so two requests with one code cannot both succeed. Returns how
 * many codes are left, or null when the code is not (or no longer) valid.
 */
async function useRecoveryCode(services: Services, userId: string, code: string): Promise<number | null> {
  const hashed = hashRecoveryCode(code);
  for (let tries = 0; tries < 3; tries++) {
    const { recovery_codes } = await services.db.selectFrom("staff_user").select("recovery_codes").where("id", "=", userId).executeTakeFirstOrThrow();
    const codes = JSON.parse(recovery_codes) as string[];
    if (!codes.includes(hashed)) return null;
    const rest = codes.filter((c) => c !== hashed);
    const result = await services.db
      .updateTable("staff_user")
      .set({ recovery_codes: JSON.stringify(rest) })
      .where("id", "=", userId)
      .where("recovery_codes", "=", recovery_codes)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1) return rest.length;
  }
  return null;
}

/** Ten codes of 80 random bits each, shown as xxxx-xxxx-xxxx-xxxx. */
function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => encodeBase32LowerCaseNoPadding(randomBytes(10)).match(/.{4}/g)!.join("-"));
}

/** Stored form: SHA-256 of the code without its dashes or spaces, in lower case (80 random bits need no slow hash). */
export function hashRecoveryCode(code: string): string {
  const normalised = code.normalize("NFKC").replace(/[\s-]/g, "").toLowerCase();
  return encodeHexLowerCase(sha256(new TextEncoder().encode(normalised)));
}

/*
 * The recovery codes are shown once, on the page after enrolment. To get them
 * there (post, then redirect, then get: a reload must not re-submit the code),
 * they travel in a short-lived cookie, encrypted by the vault and bound to the
 * account, limited to that page's path; the page clears it as it shows them.
 */
export const RECOVERY_CODES_PATH = "/staff/two-factor/recovery-codes";
const RECOVERY_COOKIE = "reclaim_recovery_codes";
const RECOVERY_COOKIE_SECONDS = 600;
const recoveryContext = (userId: string) => `cookie.${RECOVERY_COOKIE}.${userId}`;

function recoveryCookie(env: Services["env"], value: string, maxAge: number): string {
  return [`${RECOVERY_COOKIE}=${value}`, `Path=${RECOVERY_CODES_PATH}`, `Max-Age=${maxAge}`, "HttpOnly", "SameSite=Strict", ...(servedOverHttps(env) ? ["Secure"] : [])].join("; ");
}

/** The Set-Cookie header that carries freshly made recovery codes to the page that shows them. */
export function sealRecoveryCodes(services: Services, userId: string, codes: string[]): string {
  return recoveryCookie(services.env, services.vault.encrypt(JSON.stringify(codes), recoveryContext(userId)), RECOVERY_COOKIE_SECONDS);
}

/** The codes the request's cookie carries for this account, or null; and the Set-Cookie header that clears it. */
export function openRecoveryCodes(services: Services, userId: string, request: Request): { codes: string[] | null; clear: string } {
  const clear = recoveryCookie(services.env, "", 0);
  const value = request.headers
    .get("Cookie")
    ?.split(";")
    .map((part) => part.trim())
    .find((part) => part.startsWith(`${RECOVERY_COOKIE}=`))
    ?.slice(RECOVERY_COOKIE.length + 1);
  if (!value) return { codes: null, clear };
  try {
    const codes = JSON.parse(services.vault.decrypt(value, recoveryContext(userId))) as unknown;
    return { codes: Array.isArray(codes) && codes.every((c) => typeof c === "string") ? codes : null, clear };
  } catch {
    // Another account's cookie, or a stale key: nothing to show.
    return { codes: null, clear };
  }
}

function decodeKey(base32: string): Uint8Array {
  return decodeBase32IgnorePadding(base32);
}
