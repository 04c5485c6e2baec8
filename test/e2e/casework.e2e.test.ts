import type { Page } from "playwright-core";
import { describe, documentLanguage, expect, tr } from "./support";
import { check, enrolTotp, invite, openBrowser, PASSWORDS, reclaim, setUp, staffTest as test, submit } from "./support/staff";

/**
 * Issue 4's story in Chromium: the CLI makes an administrator, who invites a
 * caseworker and a support worker; the support worker files for a victim with
 * a mandate; the caseworker (with TOTP) takes the case, verifies identity and
 * posts updates in Dutch; the victim signs in with the reference and secret
 * and reads them in Arabic; the due date is extended with a reason; the case
 * is completed. Staff pages are checked with axe.
 */
const DUTCH_NOTE = "We zoeken nu bij de bekende hostingbedrijven.";
const EXTENSION_REASON = "We wachten op antwoord van drie hostingbedrijven.";

/** A button in the form that carries this intent. */
const intentButton = (page: Page, intent: string, value?: string) =>
  page.locator(`main form:has(input[name=intent][value=${intent}]) button[type=submit]${value ? `[value=${value}]` : ""}`).first();

async function press(page: Page, button: ReturnType<typeof intentButton>, expected: RegExp) {
  const answered = page.waitForResponse((r) => r.request().method() === "POST");
  await button.click();
  await answered;
  await page.waitForURL(expected);
  await page.waitForLoadState("networkidle");
}

describe("casework", () => {
  test("a support worker files, a caseworker handles in Dutch, the victim reads in Arabic", async ({ browser, portal }) => {
    // The administrator, from the command line, and the two colleagues they invite.
    const printed = await reclaim(portal, "user:create", "--org", "EU Centre", "--role", "admin", "--email", "ada@eucentre.example", "--name", "Ada Admin");
    const adminLink = printed.match(/http:\/\/localhost:\d+\/staff\/setup\/[a-z2-7]+/)![0];
    const admin = await openBrowser(browser, portal);
    await setUp(admin.page, adminLink, PASSWORDS.admin, "casework-admin", /\/staff\/two-factor\/setup$/);
    await enrolTotp(admin.page, "casework-admin");
    await admin.page.goto("/staff/admin");
    const caseworkerLink = await invite(admin.page, "caseworker", "carla@eucentre.example", "Carla Caseworker");
    const workerLink = await invite(admin.page, "support_worker", "sven@support.example", "Sven Support");
    await admin.done();

    // The support worker files for a victim, with the mandate their organisation holds.
    const worker = await openBrowser(browser, portal);
    const w = worker.page;
    await setUp(w, workerLink, PASSWORDS.worker, "casework-worker", /\/staff\/filed$/);
    await w.goto("/staff/file");
    await check(w, "casework-file-form");
    await w.locator("input[name=mandateRelation][value=legal_representative]").check();
    await w.locator("input[name=basis]").fill("Written authorisation signed by the victim");
    await w.locator("input[name=evidenceReference]").fill("SUP-2026-0042");
    await w.locator("input[name=mandateDate]").fill("2026-11-01");
    await w.locator("input[name=wants][value=both]").check();
    await w.locator("select[name=country]").selectOption("NL");
    await w.locator("textarea[name=urls]").fill("https://files.example.net/x/1.jpg");
    await w.locator("input[name=disclosure][value=full]").check();
    await w.locator("input[name=contactMethod][value=none]").check();
    await w.locator("input[name=receiptHolder][value=victim]").check();
    await submit(w, /\/staff\/file$/, "main .actions button[type=submit]");
    const reference = (await w.getByTestId("case-reference").textContent())!.trim();
    const secret = (await w.getByTestId("case-secret").textContent())!.trim();
    await check(w, "casework-filed");
    await worker.done();

    // The caseworker sets up with TOTP, takes the case and works in Dutch.
    const caseworker = await openBrowser(browser, portal);
    const c = caseworker.page;
    await setUp(c, caseworkerLink, PASSWORDS.caseworker, "casework-caseworker", /\/staff\/two-factor\/setup$/);
    await enrolTotp(c, "casework-caseworker");
    await c.goto("/staff/queue?lng=nl");
    await check(c, "casework-queue-nl");
    await Promise.all([c.waitForURL(/\/staff\/cases\//), c.locator("main table a", { hasText: reference.replaceAll(" ", "") }).click()]);
    await check(c, "casework-case-nl");
    // The URL is inert text: no link to it anywhere.
    expect(await c.locator("a[href*='files.example.net']").count()).toBe(0);
    await expect(c.locator("main").textContent()).resolves.toContain("https://files.example.net/x/1.jpg");

    await press(c, intentButton(c, "assign"), /\/staff\/cases\//);
    await c.locator("select[name=method]").selectOption("support_organisation");
    await press(c, intentButton(c, "verify"), /\/staff\/cases\//);
    // The page has taken the verification in (its panel is gone) before the next form is filled.
    await c.locator("#verify-title").waitFor({ state: "detached" });
    await c.locator("select[name=template]").selectOption("searchStarted");
    await c.locator("textarea[name=note]").fill(DUTCH_NOTE);
    // Preview what the requester will read, in their language (the filing was in English).
    await press(c, c.locator("main button[name=intent][value=preview]"), /\/staff\/cases\//);
    await expect(c.locator(".preview").textContent()).resolves.toContain(tr("en", "events.searchStarted", "case"));
    await press(c, c.locator("main button[name=intent][value=update]"), /\/staff\/cases\//);
    await c.locator(".timeline", { hasText: DUTCH_NOTE }).waitFor();
    await c.locator("select[name=months]").selectOption("1");
    await c.locator("textarea[name=extensionReason]").fill(EXTENSION_REASON);
    await press(c, intentButton(c, "extend"), /\/staff\/cases\//);
    await press(c, intentButton(c, "transition", "in_progress"), /\/staff\/cases\//);
    await check(c, "casework-case-worked-nl");

    // The victim signs in with the reference and secret, and reads it all in Arabic.
    const victim = await openBrowser(browser, portal);
    const v = victim.page;
    await v.goto("/case?lng=ar");
    await v.locator("input[name=reference]").fill(reference);
    await v.locator("input[name=secret]").fill(secret);
    await submit(v, /\/case\/status$/, "main .actions button[type=submit]");
    expect(await documentLanguage(v)).toEqual({ lang: "ar", dir: "rtl" });
    const timeline = (await v.locator(".timeline").textContent())!;
    expect(timeline).toContain(tr("ar", "events.searchStarted", "case"));
    expect(timeline).toContain(tr("ar", "events.identityVerified", "case"));
    expect(timeline).toContain(DUTCH_NOTE);
    expect(timeline).toContain(EXTENSION_REASON);
    expect(await v.locator(".timeline blockquote[lang=nl]").count()).toBeGreaterThan(0);
    expect(await v.content()).not.toContain("files.example.net");
    await check(v, "casework-victim-ar");

    // The caseworker completes the case; the victim sees it.
    await press(c, intentButton(c, "transition", "completed"), /\/staff\/cases\//);
    await caseworker.done();
    await v.reload();
    await expect(v.locator(".tag").first().textContent()).resolves.toBe(tr("ar", "statuses.completed", "case"));
    await check(v, "casework-victim-ar-completed");
    await victim.done();

    // Signing in again asks the caseworker for the second factor.
    const again = await openBrowser(browser, portal);
    await again.page.goto("/staff/sign-in");
    await again.page.locator("input[name=email]").fill("carla@eucentre.example");
    await again.page.locator("input[name=password]").fill(PASSWORDS.caseworker);
    await submit(again.page, /\/staff\/two-factor$/);
    await again.done();
  }, 300_000);
});
