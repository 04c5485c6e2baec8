import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Services } from "~/context";
import { loadEnv } from "~/env.server";
import { createServices } from "~/services.server";
import { hashSessionId } from "~/sessions/lucia-adapter.server";
import {
  createCaseSession,
  deleteExpiredCaseSessions,
  destroyAllCaseSessions,
  destroyCaseSession,
  getCaseSession,
  readCaseSession,
} from "~/sessions/session.server";
import { insertCase } from "../support/cases";
import { describeEachDatabase } from "../support/databases";


/** The name=value pair and the attributes of a Set-Cookie header, attributes keyed in lower case. */
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

/** A request from a browser that holds the cookie a Set-Cookie header gave it. */
function requestWith(setCookie: string | null): Request {
  const headers = new Headers();
  if (setCookie) {
    const { name, value } = parseSetCookie(setCookie);
    headers.set("Cookie", `theme=dark; ${name}=${value}`);
  }
  return new Request("http://localhost/case", { headers });
}

describeEachDatabase("case sessions", (database) => {
  let services: Services;
  let testServices: Services;
  let dataDir: string;
  let caseId: string;
  let otherCaseId: string;
  const db = () => database().db;
  const expiresAtOf = async (setCookie: string) =>
    (await db().selectFrom("case_session").select("expires_at").where("id", "=", hashSessionId(parseSetCookie(setCookie).value)).executeTakeFirst())?.expires_at;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "reclaim-session-"));
    const build = (PUBLIC_URL: string) =>
      createServices(loadEnv({ PUBLIC_URL, RECLAIM_DATA_DIR: dataDir, DATABASE_URL: database().url }, () => {}), {
        db: database().db,
        dbKind: database().kind,
      });
    services = build("https://reclaim.example");
    testServices = build("http://localhost:3000");
    caseId = await insertCase(db(), "200000000001");
    otherCaseId = await insertCase(db(), "200000000002");
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("sets an HttpOnly, SameSite=Strict, Secure browser-session cookie on path /", async () => {
    const setCookie = await createCaseSession(services, caseId);
    const { name, value, attrs } = parseSetCookie(setCookie);
    expect(name).toBe("reclaim_case");
    expect(value).toMatch(/^[a-z2-7]{40}$/);
    expect(attrs.has("httponly")).toBe(true);
    expect(attrs.get("samesite")).toBe("Strict");
    expect(attrs.get("path")).toBe("/");
    expect(attrs.has("secure")).toBe(true);
    // No expiry: the browser forgets the cookie when it closes.
    expect(attrs.has("expires")).toBe(false);
    expect(attrs.has("max-age")).toBe(false);
  });

  it("leaves Secure off when not served over HTTPS, so npm start on http://localhost works", async () => {
    const { attrs } = parseSetCookie(await createCaseSession(testServices, caseId));
    expect(attrs.has("secure")).toBe(false);
    expect(attrs.get("samesite")).toBe("Strict");
  });

  it("knows the signed-in case from the cookie, and stores only a hash of the token", async () => {
    const setCookie = await createCaseSession(services, caseId);
    expect(await getCaseSession(services, requestWith(setCookie))).toEqual({ caseId });
    const token = parseSetCookie(setCookie).value;
    const stored = await db().selectFrom("case_session").select("id").where("case_id", "=", caseId).execute();
    expect(stored.map((s) => s.id)).toEqual([hashSessionId(token)]);
  });

  it("ends the case's earlier sessions on a new sign-in", async () => {
    const first = await createCaseSession(services, caseId);
    const other = await createCaseSession(services, otherCaseId);
    const second = await createCaseSession(services, caseId);
    expect(parseSetCookie(second).value).not.toBe(parseSetCookie(first).value);
    expect(await getCaseSession(services, requestWith(first))).toBeNull();
    expect(await getCaseSession(services, requestWith(second))).toEqual({ caseId });
    // Another case's session is untouched.
    expect(await getCaseSession(services, requestWith(other))).toEqual({ caseId: otherCaseId });
  });

  it("treats a session idle for 30 minutes as ended, and blanks its cookie", async () => {
    const setCookie = await createCaseSession(services, caseId);
    const expiresAt = await expiresAtOf(setCookie);
    const minutesLeft = (Date.parse(expiresAt!) - Date.now()) / 60_000;
    expect(minutesLeft).toBeGreaterThan(29.9);
    expect(minutesLeft).toBeLessThanOrEqual(30);

    // Lucia reads the real clock, so move the expiry into the past instead of the clock forward.
    await db()
      .updateTable("case_session")
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where("id", "=", hashSessionId(parseSetCookie(setCookie).value))
      .execute();
    expect(await getCaseSession(services, requestWith(setCookie))).toBeNull();

    const blank = parseSetCookie((await readCaseSession(services, requestWith(setCookie))).setCookie!);
    expect(blank.name).toBe("reclaim_case");
    expect(blank.value).toBe("");
    expect(blank.attrs.get("max-age")).toBe("0");
    expect(blank.attrs.get("path")).toBe("/");
    // The ended session is gone from the database, too.
    expect(await expiresAtOf(setCookie)).toBeUndefined();
  });

  it("blanks an unknown token's cookie and says nothing when there is no cookie at all", async () => {
    const unknown = "reclaim_case=abcdefghijklmnopqrstuvwxyz234567abcdefgh";
    expect(await readCaseSession(services, requestWith(unknown))).toEqual({ caseId: null, setCookie: expect.stringMatching(/^reclaim_case=; /) });
    expect(await readCaseSession(services, requestWith(null))).toEqual({ caseId: null });
    expect(await getCaseSession(services, requestWith(null))).toBeNull();
  });

  it("treats a malformed cookie header as no session instead of failing", async () => {
    const request = new Request("http://localhost/case", { headers: { Cookie: "other=%E0%A4%A; reclaim_case=%" } });
    expect(await getCaseSession(services, request)).toBeNull();
  });

  it("extends a session in use once half its idle time has passed, and says so with a Set-Cookie", async () => {
    const setCookie = await createCaseSession(services, caseId);
    expect(await getCaseSession(services, requestWith(setCookie))).toEqual({ caseId }); // fresh: nothing to send

    const inTenMinutes = new Date(Date.now() + 10 * 60_000).toISOString();
    await db().updateTable("case_session").set({ expires_at: inTenMinutes }).where("id", "=", hashSessionId(parseSetCookie(setCookie).value)).execute();
    const session = await getCaseSession(services, requestWith(setCookie));
    expect(session?.caseId).toBe(caseId);
    const refreshed = parseSetCookie(session!.setCookie!);
    expect(refreshed.value).toBe(parseSetCookie(setCookie).value);
    expect(refreshed.attrs.has("max-age")).toBe(false);
    expect(Date.parse((await expiresAtOf(setCookie))!)).toBeGreaterThan(Date.now() + 29 * 60_000);
  });

  it("signs out: the session ends and the cookie is blanked", async () => {
    const setCookie = await createCaseSession(services, caseId);
    const blank = parseSetCookie(await destroyCaseSession(services, requestWith(setCookie)));
    expect(blank.name).toBe("reclaim_case");
    expect(blank.value).toBe("");
    expect(blank.attrs.get("max-age")).toBe("0");
    expect(await getCaseSession(services, requestWith(setCookie))).toBeNull();
    expect(await expiresAtOf(setCookie)).toBeUndefined();
    // Signing out without a session still blanks the cookie.
    expect(parseSetCookie(await destroyCaseSession(services, requestWith(null))).value).toBe("");
  });

  it("ends every session of a case at once, and deletes expired sessions on the services clock", async () => {
    const a = await createCaseSession(services, caseId);
    await destroyAllCaseSessions(services, caseId);
    expect(await getCaseSession(services, requestWith(a))).toBeNull();

    const b = await createCaseSession(services, otherCaseId);
    const inAnHour = new Date(Date.now() + 60 * 60_000);
    await deleteExpiredCaseSessions({ ...services, now: () => inAnHour });
    expect(await expiresAtOf(b)).toBeUndefined();
  });
});
