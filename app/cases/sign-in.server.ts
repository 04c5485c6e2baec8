import { hash, verify, type Algorithm } from "@node-rs/argon2";
import type { Services } from "~/context";
import { claimSignInAttempt, recordSignInSuccess } from "~/sessions/rate-limit.server";
import { createCaseSession } from "~/sessions/session.server";

/**
 * Signing in to a case with its reference and secret. Every way of failing
 * looks the same from outside — same answer, and an argon2 verification in
 * every case — so the form cannot be used to learn which references exist.
 */

/** argon2id with OWASP's minimum parameters (19 MiB, 2 passes, 1 lane). */
export const SECRET_HASH_OPTIONS = {
  // Algorithm.Argon2id: the package's const enum cannot be read under isolatedModules.
  algorithm: 2 as Algorithm,
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
} as const;

/**
 * What unknown references are checked against, so they cost the same argon2
 * work as known ones: a hash, with the same parameters, of a random value
 * nobody kept.
 */
const DUMMY_SECRET_HASH = "$argon2id$v=19$m=19456,t=2,p=1$oG7p94c6W5TsRUoPqQ79dQ$27D+a3kqPKQuAYvj9bjm95nkW9KFi3AP5e290k1Cqho";

const REFERENCE_PATTERN = /^\d{12}$/;

export type SignInResult =
  | { ok: true; caseId: string; setCookie: string }
  | { ok: false; reason: "invalid" | "rate_limited"; retryAfterSeconds?: number };

/**
 * Input as typed, in the form that is compared: spaces, dashes and dots
 * (what people group digits with) dropped, and the digits of
 * any script read as 0–9, since a Persian or Arabic keyboard types its own.
 */
function normaliseTyped(value: string): string {
  return foldDigits(value.normalize("NFKC")).replace(/[\s\p{Pd}.]/gu, "");
}

const DECIMAL_DIGIT = /\p{Nd}/u;

/**
 * Unicode assigns decimal digits only in runs of ten, 0 to 9 in order, so a
 * digit's value is its distance from the start of its run, modulo ten (runs
 * may sit back to back). NFKC has already turned full-width digits into ASCII.
 */
function foldDigits(value: string): string {
  return value.replace(/\p{Nd}/gu, (digit) => {
    const codePoint = digit.codePointAt(0)!;
    let start = codePoint;
    while (DECIMAL_DIGIT.test(String.fromCodePoint(start - 1))) start--;
    return String((codePoint - start) % 10);
  });
}

/** A reference as typed ("4821 0937-5512") in its stored form ("482109375512"). */
export function normaliseReference(reference: string): string {
  return normaliseTyped(reference);
}

/**
 * A secret as typed, in the form that is hashed: as a reference is read, and
 * letters in lower case, so a phone's automatic capital does not lock anyone out.
 */
export function normaliseSecret(secret: string): string {
  return normaliseTyped(secret).toLowerCase();
}

/** The stored form of a new case's secret. */
export async function hashSecret(secret: string): Promise<string> {
  return hash(normaliseSecret(secret), SECRET_HASH_OPTIONS);
}

async function secretMatches(secretHash: string, secret: string): Promise<boolean> {
  try {
    return await verify(secretHash, normaliseSecret(secret));
  } catch {
    // A malformed stored hash matches nothing.
    return false;
  }
}

export async function signInToCase(
  services: Services,
  input: { reference: string; secret: string; clientAddress: string },
): Promise<SignInResult> {
  const reference = normaliseReference(input.reference);
  const attempt = { clientAddress: input.clientAddress, reference };

  // Counted as a failure until the secret proves otherwise (see rate-limit.server.ts).
  const claim = await claimSignInAttempt(services, attempt);
  if (!claim.allowed) return { ok: false, reason: "rate_limited", retryAfterSeconds: claim.retryAfterSeconds };

  const found = REFERENCE_PATTERN.test(reference)
    ? await services.db.selectFrom("case").select(["id", "secret_hash"]).where("reference", "=", reference).executeTakeFirst()
    : undefined;
  const matches = await secretMatches(found?.secret_hash ?? DUMMY_SECRET_HASH, input.secret);
  if (!found || !matches) return { ok: false, reason: "invalid" };

  await recordSignInSuccess(services, attempt);
  return { ok: true, caseId: found.id, setCookie: await createCaseSession(services, found.id) };
}
