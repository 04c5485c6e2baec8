import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashSessionId } from "~/sessions/lucia-adapter.server";
import { createStaffUser } from "~/staff/accounts.server";
import { LOCK_AFTER_FAILURES, LOCK_MINUTES } from "~/staff/sign-in.server";
import { RECOVERY_CODE_COUNT } from "~/staff/two-factor.server";
import { Client, mainText } from "../support/client";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../support/databases";
import { startTestServer, type TestServer } from "../support/http";
import { createActiveStaff, insertOrganisation, keyFromPage, recoveryCodesFromPage, signIn, TEST_PASSWORD, totp } from "../support/staff";
import en from "../../locales/en/staff.json";
import enCommon from "../../locales/en/common.json";

/**
 * Staff accounts over HTTP, on the real build: set-up links, sign-in and its
 * lock, two-step verification with TOTP and recovery codes, session ids that
 * change at each step, signing out everywhere, and 403 for what a role lacks.
 */
const GENERIC_FAILURE = en.signIn.errors.invalid.replace("{{attempts}}", String(LOCK_AFTER_FAILURES)).replace("{{minutes}}", String(LOCK_MINUTES));

describe.each(databaseKinds)("staff accounts [%s]", (kind) => {
  let database: TestDatabase;
  let server: TestServer;
  let organisationId: string;
  // The server's clock: tests move it (Lucia's session expiry reads the real one).
  let now = Date.now();
  const advanceMinutes = (minutes: number) => void (now += minutes * 60_000);

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    server = await startTestServer(database, {}, { now: () => new Date(now) });
    organisationId = await insertOrganisation(server.services);
  });
  afterAll(async () => {
    await server?.close();
    await database?.destroy();
  });

  const staffCookie = (client: Client) => client.cookies.get("reclaim_staff");
  const sessionRow = (token: string | undefined) =>
    database.db.selectFrom("staff_session").selectAll().where("id", "=", hashSessionId(token ?? "")).executeTakeFirst();

  /** Sign in and enrol TOTP as a person would; returns the client, the key as shown, and the recovery codes. */
  async function enrolled(role: "caseworker" | "administrator" | "supervisor" = "caseworker") {
    const account = await createActiveStaff(server.services, { organisationId, role });
    const client = new Client(server.url);
    expect(await signIn(client, account.email, account.password)).toBe("/staff/two-factor/setup");
    const page = await (await client.get("/staff/two-factor/setup")).text();
    const key = keyFromPage(page);
    const done = await client.follow(await client.post("/staff/two-factor/setup", { code: totp(key, new Date(now)) }));
    expect(done.status).toBe(200);
    return { ...account, client, key, recoveryCodes: recoveryCodesFromPage(await done.text()) };
  }

  describe("set-up links", () => {
    it("set a password once, then sign in; the used link is gone", async () => {
      const created = await createStaffUser(server.services, { organisationId, role: "support_worker", email: "Sam@Support.example", displayName: "Sam", invitedBy: null });
      if (!created.ok) throw new Error("not created");
      const path = new URL(created.link).pathname;
      expect(path).toMatch(/^\/staff\/setup\/[a-z2-7]{32}$/);
      const client = new Client(server.url);
      const form = await client.get(path);
      expect(form.status).toBe(200);
      expect(mainText(await form.text())).toContain("Sam@Support.example");

      const mismatch = await client.post(path, { password: TEST_PASSWORD, confirm: `${TEST_PASSWORD}x` });
      expect(mismatch.status).toBe(400);
      expect(mainText(await mismatch.text())).toContain(en.setup.errors.mismatch);

      const done = await client.post(path, { password: TEST_PASSWORD, confirm: TEST_PASSWORD });
      expect(done.status).toBe(302);
      expect(done.headers.get("location")).toBe("/staff");
      // A support worker needs no second factor: straight to their start page.
      expect((await client.get("/staff")).headers.get("location")).toBe("/staff/filed");

      const again = await new Client(server.url).get(path);
      expect(again.status).toBe(404);
      expect(mainText(await again.text())).toContain(en.setup.invalidBody);
      const reuse = await new Client(server.url).post(path, { password: "another long passphrase", confirm: "another long passphrase" });
      expect(reuse.status).toBe(404);

      // The e-mail is matched whatever its case.
      expect(await signIn(new Client(server.url), "sam@support.example", TEST_PASSWORD)).toBe("/staff/filed");
    });

    it("refuses short, over-long and common passwords, in words", async () => {
      const created = await createStaffUser(server.services, { organisationId, role: "caseworker", email: "rules@staff.example", displayName: "Rules", invitedBy: null });
      if (!created.ok) throw new Error("not created");
      const path = new URL(created.link).pathname;
      const client = new Client(server.url);
      const cases: [string, string][] = [
        ["short pass", en.password.errors.tooShort.replace("{{min}}", "12")],
        ["x".repeat(257), en.password.errors.tooLong.replace("{{max}}", "256")],
        ["leavemealone", en.password.errors.common],
        ["1qaz2wsx3edc", en.password.errors.common],
        ["Password1234", en.password.errors.common],
      ];
      for (const [password, message] of cases) {
        const response = await client.post(path, { password, confirm: password });
        expect(response.status, password).toBe(400);
        expect(mainText(await response.text())).toContain(message);
      }
      // The link still works after refusals.
      expect((await client.post(path, { password: TEST_PASSWORD, confirm: TEST_PASSWORD })).status).toBe(302);
    });

    it("says plainly when a link has expired (7 days)", async () => {
      const created = await createStaffUser(server.services, { organisationId, role: "caseworker", email: "late@staff.example", displayName: "Late", invitedBy: null });
      if (!created.ok) throw new Error("not created");
      const path = new URL(created.link).pathname;
      advanceMinutes(7 * 24 * 60 - 1);
      expect((await new Client(server.url).get(path)).status).toBe(200);
      advanceMinutes(2);
      const expired = await new Client(server.url).get(path);
      expect(expired.status).toBe(410);
      expect(mainText(await expired.text())).toContain(en.setup.expiredBody.replace("{{days}}", "7"));
      const post = await new Client(server.url).post(path, { password: TEST_PASSWORD, confirm: TEST_PASSWORD });
      expect(post.status).toBe(410);
      expect(await signIn(new Client(server.url), "late@staff.example", TEST_PASSWORD)).toBeNull();
      expect((await new Client(server.url).get("/staff/setup/not-a-token")).status).toBe(404);
    });
  });

  describe("sign-in", () => {
    it("gives one answer for an unknown address, a wrong password, and a disabled account", async () => {
      const account = await createActiveStaff(server.services, { organisationId, role: "support_worker" });
      const answers: string[] = [];
      for (const [email, password] of [
        ["nobody@staff.example", TEST_PASSWORD],
        [account.email, "wrong password here"],
      ]) {
        const response = await new Client(server.url).post("/staff/sign-in", { email, password });
        expect(response.status).toBe(400);
        answers.push(mainText(await response.text()));
      }
      await database.db.updateTable("staff_user").set({ disabled_at: new Date(now).toISOString() }).where("id", "=", account.userId).execute();
      const disabled = await new Client(server.url).post("/staff/sign-in", { email: account.email, password: account.password });
      expect(disabled.status).toBe(400);
      answers.push(mainText(await disabled.text()));
      expect(new Set(answers).size).toBe(1);
      expect(answers[0]).toContain(GENERIC_FAILURE);
    });

    it(`locks an account for ${LOCK_MINUTES} minutes after ${LOCK_AFTER_FAILURES} failures, with the same answer`, async () => {
      const account = await createActiveStaff(server.services, { organisationId, role: "support_worker" });
      for (let i = 0; i < LOCK_AFTER_FAILURES; i++) {
        expect(await signIn(new Client(server.url), account.email, `wrong password ${i}`)).toBeNull();
      }
      const locked = await new Client(server.url).post("/staff/sign-in", { email: account.email, password: account.password });
      expect(locked.status).toBe(400);
      expect(mainText(await locked.text())).toContain(GENERIC_FAILURE);
      advanceMinutes(LOCK_MINUTES - 1);
      expect(await signIn(new Client(server.url), account.email, account.password)).toBeNull();
      advanceMinutes(2);
      expect(await signIn(new Client(server.url), account.email, account.password)).toBe("/staff/filed");
      // A success clears the count: four more failures do not lock.
      for (let i = 0; i < LOCK_AFTER_FAILURES - 1; i++) await signIn(new Client(server.url), account.email, "wrong again, sorry");
      expect(await signIn(new Client(server.url), account.email, account.password)).toBe("/staff/filed");
      const audit = await database.db.selectFrom("audit_log").select("action").where("action", "=", "staff.lock").execute();
      expect(audit.length).toBeGreaterThanOrEqual(1);
    });

    it("gives a new session id at sign-in, never the one the browser brought", async () => {
      const account = await createActiveStaff(server.services, { organisationId, role: "support_worker" });
      const client = new Client(server.url);
      await signIn(client, account.email, account.password);
      const first = staffCookie(client);
      expect(await sessionRow(first)).toBeDefined();
      // Signing in again from the same browser replaces the session.
      await client.post("/staff/sign-in", { email: account.email, password: account.password });
      const second = staffCookie(client);
      expect(second).not.toBe(first);
      expect(await sessionRow(first)).toBeUndefined();
      // A planted cookie is worth nothing after sign-in.
      const victim = new Client(server.url);
      victim.cookies.set("reclaim_staff", second!);
      await victim.post("/staff/sign-in", { email: account.email, password: account.password });
      expect(staffCookie(victim)).not.toBe(second);
      expect(await sessionRow(second)).toBeUndefined();
    });

    it("sends a signed-out visitor of a staff page to sign-in, and a victim's session is no staff session", async () => {
      const client = new Client(server.url);
      for (const path of ["/staff", "/staff/admin", "/staff/account", "/staff/admin/organisations"]) {
        expect((await client.get(path)).headers.get("location"), path).toBe("/staff/sign-in");
      }
      client.cookies.set("reclaim_case", "abcdefghijklmnopqrstuvwxyz234567abcdefgh");
      expect((await client.get("/staff/account")).headers.get("location")).toBe("/staff/sign-in");
    });
  });

  describe("two-step verification", () => {
    it("is enrolled at the first sign-in of a caseworker; nothing else is reachable before", async () => {
      const account = await createActiveStaff(server.services, { organisationId, role: "caseworker" });
      const client = new Client(server.url);
      expect(await signIn(client, account.email, account.password)).toBe("/staff/two-factor/setup");
      for (const path of ["/staff", "/staff/queue", "/staff/account", "/staff/two-factor"]) {
        expect((await client.get(path)).headers.get("location"), path).toBe("/staff/two-factor/setup");
      }
      const page = await client.get("/staff/two-factor/setup");
      const html = await page.text();
      expect(html).toMatch(/<div class="qr-code" role="img" aria-label="[^"]+"><svg aria-hidden="true"/);
      const key = keyFromPage(html);
      expect(key.replace(/\s/g, "")).toMatch(/^[A-Z2-7]{32}$/);
      // A reload shows the same key: the phone may have read it already.
      expect(keyFromPage(await (await client.get("/staff/two-factor/setup")).text())).toBe(key);

      const wrong = await client.post("/staff/two-factor/setup", { code: totp(key, new Date(now), 5) });
      expect(wrong.status).toBe(400);
      expect(mainText(await wrong.text())).toContain(en.twoFactorSetup.errors.invalid);

      const before = staffCookie(client);
      const confirmed = await client.post("/staff/two-factor/setup", { code: totp(key, new Date(now)) });
      expect(confirmed.headers.get("location")).toBe("/staff/two-factor/recovery-codes");
      const done = await client.follow(confirmed);
      expect(done.status).toBe(200);
      const codes = recoveryCodesFromPage(await done.text());
      // Shown once: the page cleared what carried them.
      expect((await client.get("/staff/two-factor/recovery-codes")).headers.get("location")).toBe("/staff/account");
      expect(codes).toHaveLength(RECOVERY_CODE_COUNT);
      expect(new Set(codes).size).toBe(RECOVERY_CODE_COUNT);
      // The session id changed when the second factor was given.
      expect(staffCookie(client)).not.toBe(before);
      expect(await sessionRow(before)).toBeUndefined();
      expect(await sessionRow(staffCookie(client))).toMatchObject({ two_factor_verified: 1 });
      expect((await client.get("/staff")).headers.get("location")).toBe("/staff/queue");
      // Codes are stored hashed, never as shown.
      const row = await database.db.selectFrom("staff_user").select("recovery_codes").where("id", "=", account.userId).executeTakeFirstOrThrow();
      for (const code of codes) expect(row.recovery_codes).not.toContain(code);
      // Enrolment is done: the set-up page says so, and a new key cannot be confirmed over the old one.
      expect(mainText(await (await client.get("/staff/two-factor/setup")).text())).toContain(en.twoFactorSetup.alreadyOn);
      expect((await client.post("/staff/two-factor/setup", { code: totp(key, new Date(now)) })).headers.get("location")).toBe("/staff/account");
    });

    it("asks for a code at each later sign-in; a code from the app works, with a new session id", async () => {
      const { email, password, key } = await enrolled();
      const client = new Client(server.url);
      expect(await signIn(client, email, password)).toBe("/staff/two-factor");
      expect((await client.get("/staff/queue")).headers.get("location")).toBe("/staff/two-factor");
      const wrong = await client.post("/staff/two-factor", { code: "000000" === totp(key, new Date(now)) ? "111111" : "000000" });
      expect(wrong.status).toBe(400);
      expect(mainText(await wrong.text())).toContain(en.twoFactor.errors.invalid);
      const before = staffCookie(client);
      // The previous 30-second step is still accepted (clocks drift, people type slowly).
      const ok = await client.post("/staff/two-factor", { code: totp(key, new Date(now), -1) });
      expect(ok.status).toBe(302);
      expect(ok.headers.get("location")).toBe("/staff/queue");
      expect(staffCookie(client)).not.toBe(before);
      expect((await client.get("/staff/queue")).status).toBe(200);
    });

    it("takes a recovery code once; a used code is gone", async () => {
      const { email, password, recoveryCodes } = await enrolled("supervisor");
      const client = new Client(server.url);
      await signIn(client, email, password);
      // Typed in capitals and without dashes, it still counts.
      const used = await client.post("/staff/two-factor", { code: recoveryCodes[3].replaceAll("-", " ").toUpperCase() });
      expect(used.status).toBe(302);
      expect(used.headers.get("location")).toBe("/staff/account?recovery=used");
      const account = await client.follow(used);
      expect(mainText(await account.text())).toContain(en.account.recoveryCodesLeft_other.replace("{{count}}", "9"));

      const other = new Client(server.url);
      await signIn(other, email, password);
      const again = await other.post("/staff/two-factor", { code: recoveryCodes[3] });
      expect(again.status).toBe(400);
      expect((await other.post("/staff/two-factor", { code: recoveryCodes[4] })).status).toBe(302);
    });

    it(`locks after ${LOCK_AFTER_FAILURES} wrong codes and ends the session`, async () => {
      const { email, password, key } = await enrolled();
      const client = new Client(server.url);
      await signIn(client, email, password);
      const good = totp(key, new Date(now));
      const bad = good === "123456" ? "654321" : "123456";
      for (let i = 0; i < LOCK_AFTER_FAILURES - 1; i++) expect((await client.post("/staff/two-factor", { code: bad })).status).toBe(400);
      const last = await client.post("/staff/two-factor", { code: bad });
      expect(last.headers.get("location")).toBe("/staff/sign-in?locked=1");
      expect(staffCookie(client)).toBeUndefined();
      // Locked: even the right password and code do not help for now.
      expect(await signIn(new Client(server.url), email, password)).toBeNull();
      advanceMinutes(LOCK_MINUTES + 1);
      const later = new Client(server.url);
      expect(await signIn(later, email, password)).toBe("/staff/two-factor");
      expect((await later.post("/staff/two-factor", { code: totp(key, new Date(now)) })).headers.get("location")).toBe("/staff/queue");
    });

    it("is optional for support workers, and then asked for at sign-in", async () => {
      const account = await createActiveStaff(server.services, { organisationId, role: "support_worker" });
      const client = new Client(server.url);
      expect(await signIn(client, account.email, account.password)).toBe("/staff/filed");
      const page = await (await client.get("/staff/two-factor/setup")).text();
      expect(mainText(page)).toContain(en.twoFactorSetup.leadOptional);
      const key = keyFromPage(page);
      expect((await client.post("/staff/two-factor/setup", { code: totp(key, new Date(now)) })).headers.get("location")).toBe("/staff/two-factor/recovery-codes");
      const next = new Client(server.url);
      expect(await signIn(next, account.email, account.password)).toBe("/staff/two-factor");
      expect((await next.post("/staff/two-factor", { code: totp(key, new Date(now)) })).headers.get("location")).toBe("/staff/filed");
    });
  });

  describe("signing out", () => {
    it("signs out this browser, or every device at once", async () => {
      const { email, password, key, client: first } = await enrolled();
      const second = new Client(server.url);
      await signIn(second, email, password);
      await second.post("/staff/two-factor", { code: totp(key, new Date(now)) });
      expect((await first.get("/staff/account")).status).toBe(200);
      expect((await second.get("/staff/account")).status).toBe(200);

      const out = await first.post("/staff/sign-out", {});
      expect(out.headers.get("location")).toBe("/staff/sign-in?signedOut=1");
      expect((await first.get("/staff/account")).headers.get("location")).toBe("/staff/sign-in");
      expect((await second.get("/staff/account")).status).toBe(200);

      const third = new Client(server.url);
      await signIn(third, email, password);
      await third.post("/staff/two-factor", { code: totp(key, new Date(now)) });
      const everywhere = await second.post("/staff/sign-out-everywhere", {});
      expect(everywhere.headers.get("location")).toBe("/staff/sign-in?signedOut=everywhere");
      expect((await second.get("/staff/account")).headers.get("location")).toBe("/staff/sign-in");
      expect((await third.get("/staff/account")).headers.get("location")).toBe("/staff/sign-in");
      const userId = (await database.db.selectFrom("staff_session").select("user_id").execute()).map((r) => r.user_id);
      const account = await database.db.selectFrom("staff_user").select("id").where("email_bidx", "=", server.services.vault.blindIndex(email, "staff_user.email")).executeTakeFirstOrThrow();
      expect(userId).not.toContain(account.id);
    });
  });

  describe("permissions", () => {
    it("answers 403, translated, for a page the role lacks", async () => {
      const { client } = await enrolled("caseworker");
      for (const path of ["/staff/admin", "/staff/admin/organisations"]) {
        const response = await client.get(path);
        expect(response.status, path).toBe(403);
        expect(mainText(await response.text())).toContain(enCommon.error.forbiddenTitle);
      }
      const post = await client.post("/staff/admin", { intent: "invite", email: "x@y.example", displayName: "X", role: "administrator" });
      expect(post.status).toBe(403);
      const nl = await client.get("/staff/admin?lng=nl");
      const nlCommon = (await import("../../locales/nl/common.json")).default;
      expect(mainText(await nl.text())).toContain(nlCommon.error.forbiddenTitle);

      const worker = await createActiveStaff(server.services, { organisationId, role: "support_worker" });
      const workerClient = new Client(server.url);
      await signIn(workerClient, worker.email, worker.password);
      expect((await workerClient.get("/staff/admin")).status).toBe(403);
    });
  });
});
