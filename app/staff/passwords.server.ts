import { randomBytes } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";
import { dictionary } from "@zxcvbn-ts/language-common";
import { SECRET_HASH_OPTIONS } from "~/cases/sign-in.server";
import type { FieldError } from "~/cases/request";

/**
 * Staff passwords: argon2id with the same parameters as case secrets, at
 * least 12 characters (NIST SP 800-63B allows no composition rules, asks for
 * a length floor and a check against known passwords), at most 256, and not
 * among the most common passwords (zxcvbn-ts's list of about 49,000, which
 * is maintained upstream rather than here).
 */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

const COMMON_PASSWORDS = new Set(dictionary["passwords-common"].map((p) => p.toLowerCase()));

/** Passwords are compared as Unicode NFKC, so the same password typed on another keyboard still matches. */
function normalise(password: string): string {
  return password.normalize("NFKC");
}

/** Why a new password is refused, as a translation key of the `staff` namespace, or null when it is acceptable. */
export function passwordProblem(password: string, field = "password"): FieldError | null {
  const length = [...normalise(password)].length;
  if (length < PASSWORD_MIN_LENGTH) return { field, key: "staff:password.errors.tooShort", params: { min: PASSWORD_MIN_LENGTH } };
  if (length > PASSWORD_MAX_LENGTH) return { field, key: "staff:password.errors.tooLong", params: { max: PASSWORD_MAX_LENGTH } };
  if (isCommonPassword(password)) return { field, key: "staff:password.errors.common" };
  return null;
}

export function isCommonPassword(password: string): boolean {
  return COMMON_PASSWORDS.has(normalise(password).toLowerCase());
}

export async function hashPassword(password: string): Promise<string> {
  return hash(normalise(password), SECRET_HASH_OPTIONS);
}

/** Whether the password matches; a missing or malformed stored hash matches nothing, at the same argon2 cost. */
export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  // Over-long input is refused before hashing, but only after the same work as a real check.
  const candidate = normalise(password).slice(0, PASSWORD_MAX_LENGTH * 4);
  try {
    const ok = await verify(passwordHash ?? (await dummyHash()), candidate);
    return passwordHash !== null && ok;
  } catch {
    return false;
  }
}

/**
 * What unknown accounts are checked against, so they cost the same argon2 work
 * as known ones: a hash, with the same parameters, of a random value nobody kept.
 */
let dummy: Promise<string> | undefined;
function dummyHash(): Promise<string> {
  dummy ??= hash(randomBytes(32).toString("base64url"), SECRET_HASH_OPTIONS);
  return dummy;
}

/** Run a verification that cannot succeed, for timing parity (unknown e-mail, locked or disabled account). */
export async function dummyVerify(password: string): Promise<void> {
  await verifyPassword(null, password);
}
