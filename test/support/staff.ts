import { randomUUID } from "node:crypto";
import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { generateHOTP } from "@oslojs/otp";
import type { Services } from "~/context";
import type { OrganisationKind, StaffRole } from "~/db/schema";
import { completeSetup, createStaffUser } from "~/staff/accounts.server";
import type { Client } from "./client";

/** A strong password the tests use (not in any common list). */
export const TEST_PASSWORD = "orbit lantern pebble 47";

/** An organisation, straight into the database. */
export async function insertOrganisation(services: Services, kind: OrganisationKind = "coordinating_authority", name = `Org ${randomUUID().slice(0, 8)}`): Promise<string> {
  const id = randomUUID();
  await services.db
    .insertInto("organisation")
    .values({ id, kind, name, country: kind === "coordinating_authority" ? "NL" : null, serves_countries: kind === "partner" ? '["UG"]' : "[]", created_at: services.now().toISOString() })
    .execute();
  return id;
}

/** An account created as the command line does, set up through its link with TEST_PASSWORD. */
export async function createActiveStaff(
  services: Services,
  { organisationId, role, email = `${randomUUID().slice(0, 8)}@staff.example`, displayName = "Test Person" }: { organisationId: string; role: StaffRole; email?: string; displayName?: string },
): Promise<{ userId: string; email: string; password: string }> {
  const created = await createStaffUser(services, { organisationId, role, email, displayName, invitedBy: null });
  if (!created.ok) throw new Error(`createStaffUser: ${JSON.stringify(created.errors)}`);
  const setup = await completeSetup(services, { token: created.token, password: TEST_PASSWORD, confirm: TEST_PASSWORD });
  if (!setup.ok) throw new Error(`completeSetup: ${JSON.stringify(setup)}`);
  return { userId: created.userId, email, password: TEST_PASSWORD };
}

/** The TOTP an authenticator app would show at `at` for a key shown as "ABCD EFGH …". */
export function totp(keyText: string, at: Date = new Date(), stepOffset = 0): string {
  const key = decodeBase32IgnorePadding(keyText.replace(/\s/g, ""));
  return generateHOTP(key, BigInt(Math.floor(at.getTime() / 30_000) + stepOffset), 6);
}

/** The key text shown on the enrolment page. */
export function keyFromPage(html: string): string {
  const key = html.match(/data-testid="totp-key"[^>]*>([^<]*)</)?.[1];
  if (!key) throw new Error("no TOTP key on the page");
  return key.trim();
}

/** The recovery codes shown once after enrolment. */
export function recoveryCodesFromPage(html: string): string[] {
  const list = html.match(/data-testid="recovery-codes"[\s\S]*?<\/ul>/)?.[0] ?? "";
  return [...list.matchAll(/<code>([^<]+)<\/code>/g)].map((m) => m[1]);
}

/** Sign in over HTTP; returns where the server sent the browser. */
export async function signIn(client: Client, email: string, password: string): Promise<string | null> {
  const response = await client.post("/staff/sign-in", { email, password });
  return response.status === 302 ? response.headers.get("location") : null;
}
