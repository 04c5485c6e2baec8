import { beforeAll, expect, it } from "vitest";
import type { Services } from "~/context";
import { hashSessionId } from "~/sessions/lucia-adapter.server";
import {
  createStaffSession,
  deleteExpiredStaffSessions,
  destroyAllStaffSessions,
  destroyStaffSession,
  getStaffSession,
  markStaffSessionTwoFactorVerified,
  readStaffSession,
} from "~/sessions/session.server";
import { describeEachDatabase } from "../support/databases";
import { testServices } from "../support/services";
import { createActiveStaff, insertOrganisation } from "../support/staff";

function parseSetCookie(header: string) {
  const [pair, ...attributes] = header.split(";").map((part) => part.trim());
  const [name, value] = [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)];
  const attrs = new Map(
    attributes.map((a) => {
      const i = a.indexOf("=");
      return i === -1 ? [a.toLowerCase(), ""] : [a.slice(0, i).toLowerCase(), a.slice(i + 1)];
    }),
  );
  return { name, value, attrs };
}

function requestWith(setCookie: string | null): Request {
  const headers = new Headers();
  if (setCookie) {
    const { name, value } = parseSetCookie(setCookie);
    headers.set("Cookie", `lng=nl; ${name}=${value}`);
  }
  return new Request("http://localhost/staff", { headers });
}

describeEachDatabase("staff sessions", (database) => {
  let services: Services;
  let production: Services;
  let userId: string;
  let otherId: string;
  const stored = async (setCookie: string) =>
    database().db.selectFrom("staff_session").selectAll().where("id", "=", hashSessionId(parseSetCookie(setCookie).value)).executeTakeFirst();

  beforeAll(async () => {
    services = testServices(database()).services;
    production = testServices(database(), { NODE_ENV: "production", PUBLIC_URL: "https://reclaim.example" }).services;
    const organisationId = await insertOrganisation(services);
    userId = (await createActiveStaff(services, { organisationId, role: "caseworker" })).userId;
    otherId = (await createActiveStaff(services, { organisationId, role: "caseworker" })).userId;
  });

  it("sets reclaim_staff: HttpOnly, SameSite=Strict, Secure when served over HTTPS, no expiry, on path /", async () => {
    const { name, value, attrs } = parseSetCookie(await createStaffSession(production, userId, { twoFactorVerified: false }));
    expect(name).toBe("reclaim_staff");
    expect(value).toMatch(/^[a-z2-7]{40}$/);
    expect(attrs.has("httponly")).toBe(true);
    expect(attrs.get("samesite")).toBe("Strict");
    expect(attrs.has("secure")).toBe(true);
    expect(attrs.get("path")).toBe("/");
    expect(attrs.has("expires")).toBe(false);
    expect(attrs.has("max-age")).toBe(false);
    expect(parseSetCookie(await createStaffSession(services, userId, { twoFactorVerified: false })).attrs.has("secure")).toBe(false);
  });

  it("stores only a hash of the token, and the second-factor flag", async () => {
    const setCookie = await createStaffSession(services, userId, { twoFactorVerified: false });
    expect(await getStaffSession(services, requestWith(setCookie))).toEqual({ userId, twoFactorVerified: false });
    const row = await stored(setCookie);
    expect(row).toMatchObject({ user_id: userId, two_factor_verified: 0 });
    expect(row!.id).not.toBe(parseSetCookie(setCookie).value);
  });

  it("gives a new id at sign-in and ends the session the browser carried", async () => {
    const before = await createStaffSession(services, userId, { twoFactorVerified: false });
    const after = await createStaffSession(services, userId, { twoFactorVerified: false, request: requestWith(before) });
    expect(parseSetCookie(after).value).not.toBe(parseSetCookie(before).value);
    expect(await getStaffSession(services, requestWith(before))).toBeNull();
    expect(await getStaffSession(services, requestWith(after))).toEqual({ userId, twoFactorVerified: false });
  });

  it("rotates the id when the second factor is given", async () => {
    const first = await createStaffSession(services, userId, { twoFactorVerified: false });
    const second = await markStaffSessionTwoFactorVerified(services, requestWith(first));
    expect(second).not.toBeNull();
    expect(parseSetCookie(second!).value).not.toBe(parseSetCookie(first).value);
    expect(await getStaffSession(services, requestWith(first))).toBeNull();
    expect(await getStaffSession(services, requestWith(second))).toEqual({ userId, twoFactorVerified: true });
    expect(await markStaffSessionTwoFactorVerified(services, requestWith(null))).toBeNull();
  });

  it("keeps several devices signed in, and signs out one or all of them", async () => {
    const phone = await createStaffSession(services, userId, { twoFactorVerified: true });
    const laptop = await createStaffSession(services, userId, { twoFactorVerified: true });
    const colleague = await createStaffSession(services, otherId, { twoFactorVerified: true });
    expect(parseSetCookie(await destroyStaffSession(services, requestWith(phone))).value).toBe("");
    expect(await getStaffSession(services, requestWith(phone))).toBeNull();
    expect(await getStaffSession(services, requestWith(laptop))).not.toBeNull();
    const again = await createStaffSession(services, userId, { twoFactorVerified: true });
    await destroyAllStaffSessions(services, userId);
    expect(await getStaffSession(services, requestWith(laptop))).toBeNull();
    expect(await getStaffSession(services, requestWith(again))).toBeNull();
    expect(await getStaffSession(services, requestWith(colleague))).not.toBeNull();
  });

  it("ends a session idle for 30 minutes, blanking its cookie; extends one in use", async () => {
    const setCookie = await createStaffSession(services, userId, { twoFactorVerified: true });
    const minutesLeft = (Date.parse((await stored(setCookie))!.expires_at) - Date.now()) / 60_000;
    expect(minutesLeft).toBeGreaterThan(29.9);
    expect(minutesLeft).toBeLessThanOrEqual(30);

    // Lucia reads the real clock: move the expiry instead.
    const id = hashSessionId(parseSetCookie(setCookie).value);
    await database().db.updateTable("staff_session").set({ expires_at: new Date(Date.now() + 10 * 60_000).toISOString() }).where("id", "=", id).execute();
    const extended = await getStaffSession(services, requestWith(setCookie));
    expect(extended?.setCookie).toBeDefined();
    expect(parseSetCookie(extended!.setCookie!).attrs.has("max-age")).toBe(false);
    expect(Date.parse((await stored(setCookie))!.expires_at)).toBeGreaterThan(Date.now() + 29 * 60_000);
    expect(extended?.twoFactorVerified).toBe(true);

    await database().db.updateTable("staff_session").set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where("id", "=", id).execute();
    const { session, setCookie: blank } = await readStaffSession(services, requestWith(setCookie));
    expect(session).toBeNull();
    expect(parseSetCookie(blank!).value).toBe("");
    expect(await stored(setCookie)).toBeUndefined();
  });

  it("treats a malformed cookie as no session, and deletes expired sessions on the services clock", async () => {
    expect(await getStaffSession(services, new Request("http://localhost/", { headers: { Cookie: "reclaim_staff=%" } }))).toBeNull();
    const setCookie = await createStaffSession(services, otherId, { twoFactorVerified: false });
    await deleteExpiredStaffSessions({ ...services, now: () => new Date(Date.now() + 60 * 60_000) });
    expect(await stored(setCookie)).toBeUndefined();
  });
});
