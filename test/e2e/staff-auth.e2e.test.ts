import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { generateTOTP } from "@oslojs/otp";
import { describe, documentLanguage, expect, tr } from "./support";
import { check, enrolTotp, heading, invite, openBrowser, pathOf, PASSWORDS, reclaim, setUp, staffTest as test, submit } from "./support/staff";

/**
 * Staff accounts in real Chromium: the command line creates an administrator,
 * who sets a password through the printed link, enrols TOTP (the key read as
 * text, the codes computed here, as an authenticator app does), and invites a
 * caseworker and a support worker, who each set up their own account. Every
 * page is checked with axe, with JavaScript on, and the sign-in without it.
 */
describe("staff accounts", () => {
  test("the CLI makes an administrator, who enrols TOTP and invites a caseworker and a support worker", async ({ browser, portal }) => {
    const printed = await reclaim(portal, "user:create", "--org", "EU Centre", "--role", "admin", "--email", "ada@eucentre.example", "--name", "Ada Admin");
    const adminLink = printed.match(/http:\/\/localhost:\d+\/staff\/setup\/[a-z2-7]+/)?.[0];
    expect(adminLink, printed).toBeDefined();

    // The administrator.
    const admin = await openBrowser(browser, portal);
    const page = admin.page;
    await setUp(page, adminLink!, PASSWORDS.admin, "admin", /\/staff\/two-factor\/setup$/);
    expect((await page.locator("[data-testid=quick-exit]").count())).toBe(0);
    const { key } = await enrolTotp(page, "admin");
    await Promise.all([page.waitForURL(/\/staff\/admin$/), page.locator("main a.button--primary").click()]);
    await heading(page, tr("en", "users.title", "staff"));
    await check(page, "admin-users");

    // Invite a caseworker and a support worker; each link is shown once to pass on.
    const links: Record<string, string> = {};
    for (const [role, email, name] of [
      ["caseworker", "carla@eucentre.example", "Carla Caseworker"],
      ["support_worker", "sven@eucentre.example", "Sven Support"],
    ]) {
      links[role] = await invite(page, role, email, name);
      expect(Object.values(links).filter((l) => l === links[role])).toHaveLength(1);
      expect(links[role]).toMatch(/\/staff\/setup\/[a-z2-7]{32}$/);
      await expect(page.locator("tr", { hasText: name }).getByTestId("user-state").textContent()).resolves.toBe(tr("en", "users.states.invited", "staff"));
    }
    await check(page, "admin-users-invited");

    await page.goto("/staff/admin/organisations");
    await check(page, "admin-organisations");
    await page.goto("/staff/account");
    await check(page, "admin-account");
    await admin.done();

    // The caseworker sets up, enrols, and reaches the queue.
    const caseworker = await openBrowser(browser, portal);
    await setUp(caseworker.page, links.caseworker, PASSWORDS.caseworker, "caseworker", /\/staff\/two-factor\/setup$/);
    await enrolTotp(caseworker.page, "caseworker");
    await Promise.all([caseworker.page.waitForURL(/\/staff\/queue$/), caseworker.page.locator("main a.button--primary").click()]);
    await caseworker.done();

    // The support worker needs no second factor: straight to the cases they filed.
    const worker = await openBrowser(browser, portal);
    await setUp(worker.page, links.support_worker, PASSWORDS.worker, "support-worker", /\/staff\/filed$/);
    // A used link says so.
    await worker.page.goto(pathOf(links.support_worker));
    await heading(worker.page, tr("en", "setup.invalidTitle", "staff"));
    await check(worker.page, "setup-link-used");
    await worker.done();

    // The administrator signs in again, in Arabic, with a code from the app.
    const again = await openBrowser(browser, portal);
    await again.page.goto("/staff/sign-in?lng=ar");
    expect(await documentLanguage(again.page)).toEqual({ lang: "ar", dir: "rtl" });
    await check(again.page, "sign-in-ar");
    await again.page.locator("input[name=email]").fill("ada@eucentre.example");
    await again.page.locator("input[name=password]").fill("not the password");
    await submit(again.page, /\/staff\/sign-in(\?lng=ar)?$/);
    await again.page.locator(".error-summary").waitFor();
    await check(again.page, "sign-in-ar-error");
    await again.page.locator("input[name=password]").fill(PASSWORDS.admin);
    await submit(again.page, /\/staff\/two-factor$/);
    await check(again.page, "two-factor-ar");
    await again.page.locator("input[name=code]").fill(generateTOTP(decodeBase32IgnorePadding(key), 30, 6));
    await submit(again.page, /\/staff\/admin$/);
    await again.done();
  }, 240_000);

  describe("without JavaScript", () => {
    test("signing in, two-step verification and signing out work as plain forms", async ({ browser, portal }) => {
      const printed = await reclaim(portal, "user:create", "--org", "EU Centre", "--role", "supervisor", "--email", "nojs@eucentre.example", "--name", "Noor No-Script");
      const link = printed.match(/http:\/\/localhost:\d+\/staff\/setup\/[a-z2-7]+/)![0];
      const { page, done } = await openBrowser(browser, portal, false);
      await setUp(page, link, PASSWORDS.caseworker, "nojs", /\/staff\/two-factor\/setup$/);
      const { key } = await enrolTotp(page, "nojs");
      await Promise.all([page.waitForURL(/\/staff\/queue$/), page.locator("main a.button--primary").click()]);

      await page.goto("/staff/account");
      await submit(page, /\/staff\/sign-in\?signedOut=everywhere$/, "main form[action='/staff/sign-out-everywhere'] button");
      await check(page, "signed-out-everywhere");
      await page.locator("input[name=email]").fill("nojs@eucentre.example");
      await page.locator("input[name=password]").fill(PASSWORDS.caseworker);
      await submit(page, /\/staff\/two-factor$/);
      await page.locator("input[name=code]").fill(generateTOTP(decodeBase32IgnorePadding(key), 30, 6));
      await submit(page, /\/staff\/queue$/);
      await done();
    }, 120_000);
  });
});
