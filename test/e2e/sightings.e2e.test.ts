import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Services } from "~/context";
import { EU_CENTRE_ID } from "~/db/schema";
import { loadEnv } from "~/env.server";
import { createServices } from "~/services.server";
import { createStaffSession } from "~/sessions/session.server";
import { addStaff, flipBits, randomPdq, startSmtp, type TestSmtp } from "../support/sightings";
import { expectNoAxeViolations, launchChromium, newPortalContext, recordRequests, ROOT, screenshot, startPortal, type PortalServer, type RequestLog } from "./support";

/**
 * Issue 7 end to end: the production server with a real SMTP server. An API
 * key is made on the command line, sightings are posted (a retry and a batch
 * with bad records among them), a victim's request with addresses and a PDQ
 * code matches them, the caseworker confirms two and rejects one, the victim
 * (verified, "full details") sees exactly the two with their Article 20 facts
 * and no address, a notice goes out and is re-sent after the interval, the
 * removal is reported through the API, the timeline and the dashboard show
 * the time to removal, and a later sighting of the same hash raises a
 * re-upload alert.
 */
const run = promisify(execFile);
const RESEND_SECONDS = 4;

const URL_A = "https://cdn.e2e-host.example/gallery/a.jpg";
const URL_PDQ = "https://cdn.e2e-host.example/gallery/b.jpg";
const URL_OTHER = "https://other-host.example/c.jpg";
const URL_REUPLOAD = "https://mirror.e2e-host.example/again.jpg";
const PDQ = randomPdq();

describe("sightings, matching, notices until removed", () => {
  let smtp: TestSmtp;
  let portal: PortalServer;
  let services: Services;
  let browser: Browser;
  let apiKey: string;

  const cli = async (...args: string[]) => {
    const { stdout } = await run(process.execPath, ["bin/reclaim.js", ...args], { cwd: ROOT, env: { ...process.env, ...portal.env } });
    return stdout;
  };
  const api = async (sightings: unknown[]) => {
    const response = await fetch(`${portal.url}/api/v1/sightings`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ sightings }),
    });
    expect(response.status).toBe(200);
    return response.json() as Promise<{ created: number; updated: number; unchanged: number; rejected: number; errors: { index: number; errors: { code: string }[] }[] }>;
  };
  const until = async <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const noticeMails = () => smtp.received.filter((m) => m.to.includes("abuse@e2e-host.example"));
  const logs: RequestLog[] = [];
  async function staffPage(user: { id: string }): Promise<Page> {
    // Staff pages work without JavaScript: every decision is a plain form post and a full page load.
    const context = await newPortalContext(browser, portal.url, { javaScriptEnabled: false });
    logs.push(await recordRequests(context, { origin: portal.url }));
    const [name, ...value] = (await createStaffSession(services, user.id, { twoFactorVerified: true })).split(";")[0].split("=");
    await context.addCookies([{ name, value: value.join("="), url: portal.url }]);
    return context.newPage();
  }
  /** Post a form without JavaScript and wait for the page it leads to. */
  const submit = async (page: Page, button = page.locator("main button[type=submit]").first()) => {
    await Promise.all([page.waitForNavigation(), button.click()]);
  };

  beforeAll(async () => {
    smtp = await startSmtp();
    portal = await startPortal({
      env: {
        SMTP_URL: smtp.url,
        OUTBOX_INTERVAL: "300ms",
        SIGHTINGS_POLL_INTERVAL: "300ms",
        NOTICE_RESEND_INTERVAL: `${RESEND_SECONDS}s`,
        NOTICE_REFERRAL_AFTER: "1h",
        MAIL_FROM: "Reclaim <notices@portal.example.org>",
      },
    });
    // The same database and secrets as the server (generated into its data folder at start-up).
    services = createServices(loadEnv({ ...portal.env, LOG_LEVEL: "silent" }, () => {}));
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await services?.db.destroy();
    await portal?.stop();
    await smtp?.close();
  });

  it("works from the first sighting to the re-upload alert", async () => {
    // ---- the command line: a reporting organisation, its key, the providers directory
    await cli("org:create", "--name", "Meldpunt E2E", "--kind", "hotline", "--country", "NL");
    const created = await cli("apikey:create", "--org", "Meldpunt E2E");
    apiKey = created.match(/rk_[A-Za-z0-9_-]{43}/)![0];
    const directory = path.join(portal.env.RECLAIM_DATA_DIR, "providers.csv");
    writeFileSync(directory, "name,country,removal_contact,languages\nE2E Host,DE,abuse@e2e-host.example,\"de, en\"\nOther Host,FR,abuse@other-host.example,fr\n");
    expect(await cli("providers:import", directory)).toMatch(/2 added/);

    // ---- sightings through the API: a batch, its retry, a batch with bad records
    const reported = new Date(Date.now() - 3 * 86_400_000).toISOString();
    const batch = [
      { source_ref: "e2e-1", provider: { name: "E2E Host", country: "DE" }, url: URL_A, reported_at: reported, forwarded_to: ["Bundeskriminalamt"], forwarded_at: reported },
      { source_ref: "e2e-2", provider: { name: "E2E Host", country: "DE" }, url: URL_PDQ, pdq: flipBits(PDQ, 12), pdq_quality: 90, reported_at: reported },
      { source_ref: "e2e-3", provider: { name: "Other Host", country: "FR" }, url: URL_OTHER, reported_at: reported },
      { source_ref: "e2e-4", provider: { name: "Other Host", country: "FR" }, url: "https://unrelated.example/x.jpg", md5: "0".repeat(32), reported_at: reported },
    ];
    expect(await api(batch)).toMatchObject({ created: 4, rejected: 0 });
    expect(await api(batch)).toMatchObject({ created: 0, unchanged: 4, rejected: 0 });
    const mixed = await api([
      { source_ref: "bad-1", url: "ftp://nope", reported_at: reported },
      { source_ref: "e2e-5", url: "https://unrelated.example/y.jpg", sha256: "a".repeat(64), reported_at: reported },
      { source_ref: "bad-2", pdq: "xyz", reported_at: "soon" },
    ]);
    expect(mixed).toMatchObject({ created: 1, rejected: 2 });
    expect(mixed.errors.map((e) => e.index)).toEqual([0, 2]);

    // ---- the victim's request: two addresses and a PDQ code, full details
    const victimContext = await newPortalContext(browser, portal.url);
    logs.push(await recordRequests(victimContext, { origin: portal.url, allowed: [portal.env.QUICK_EXIT_URL] }));
    const victim = await victimContext.newPage();
    await victim.goto("/request");
    await Promise.all([victim.waitForURL("**/request/who"), victim.locator("main a.button--primary").click()]);
    // Each step: answer, continue, and wait for the next question before answering it.
    const next = async (path: string) => {
      await Promise.all([victim.waitForURL(`**${path}`), victim.locator("main button[type=submit]").last().click()]);
    };
    await victim.locator("input[name=relation][value=self]").check();
    await next("/request/where");
    await victim.locator("select[name=country]").selectOption("NL");
    await next("/request/what");
    await victim.locator("input[name=wants][value=both]").check();
    await next("/request/items");
    await victim.locator("textarea[name=urls]").fill(`${URL_A}\n${URL_OTHER}`);
    await victim.locator("details.item-codes > summary").click();
    await victim.locator("textarea[name=pdq]").fill(`${PDQ} 100`);
    await next("/request/detail");
    await victim.locator("input[name=disclosure][value=full]").check();
    await next("/request/contact");
    await victim.locator("input[name=contactMethod][value=none]").check();
    await next("/request/review");
    await victim.locator("main button[type=submit]").last().click();
    const reference = (await victim.getByTestId("case-reference").textContent())!.replaceAll(" ", "");
    const secret = (await victim.getByTestId("case-secret").textContent())!.replaceAll(" ", "");
    const { id: caseId } = await services.db.selectFrom("case").select("id").where("reference", "=", reference).executeTakeFirstOrThrow();

    // ---- the caseworker: assign, verify, confirm two, reject one
    const caseworker = await addStaff(services, EU_CENTRE_ID, "caseworker", "Casey Worker");
    const staff = await staffPage(caseworker);
    await staff.goto(`/staff/cases/${caseId}`);
    await submit(staff, staff.locator("form:has(input[name=assignee][value=me]) button"));
    await staff.locator("select[name=method]").selectOption("in_person");
    await submit(staff, staff.locator("form:has(input[name=intent][value=verify]) button"));
    const candidates = staff.getByTestId("candidate");
    await expect(candidates.count()).resolves.toBe(3); // URL_A and URL_OTHER by address, URL_PDQ by its PDQ code 12 bits away
    // Addresses are inert text: no link to them anywhere.
    expect(await staff.locator(`a[href*="e2e-host.example"], a[href*="other-host.example"]`).count()).toBe(0);
    await expectNoAxeViolations(staff);
    await screenshot(staff, "sightings-candidates");
    const decide = async (url: string, intent: "confirm" | "reject") => {
      const row = staff.getByTestId("candidate").filter({ hasText: url });
      await submit(staff, row.locator(`button[value=${intent}]`));
    };
    await decide(URL_A, "confirm");
    await decide(URL_PDQ, "confirm");
    await decide(URL_OTHER, "reject");
    await expect(staff.getByTestId("candidate").count()).resolves.toBe(0);

    // ---- the victim sees exactly the two, with the Article 20 facts and no address
    await victim.goto("/case/status");
    const instances = victim.locator("ol.instances > li");
    await expect(instances.count()).resolves.toBe(2);
    const text = (await victim.locator("main").textContent())!;
    expect(text).toContain("E2E Host");
    expect(text).toContain("Bundeskriminalamt");
    for (const url of [URL_A, URL_PDQ, URL_OTHER, "e2e-host.example", "other-host.example"]) expect(await victim.content()).not.toContain(url);
    await expectNoAxeViolations(victim);

    // ---- one notice for both addresses, to a real SMTP server; re-sent after the interval
    await submit(staff, staff.getByTestId("provider-group").filter({ hasText: "E2E Host" }).locator("form:has(input[name=intent][value=notice]) button"));
    const first = await until("the notice", async () => noticeMails()[0]);
    expect(first.text).toContain(URL_A);
    expect(first.text).toContain(URL_PDQ);
    expect(first.text).not.toContain(URL_OTHER);
    expect(first.text).toContain("Article 16");
    expect(first.raw).not.toContain(reference);
    const reminder = await until("the reminder", async () => noticeMails()[1], (RESEND_SECONDS + 10) * 1000);
    expect(reminder.subject).toMatch(/^Reminder 1/);

    // ---- removal reported through the API: no more reminders
    const removedAt = new Date().toISOString();
    expect(await api([{ source_ref: "e2e-1", removal_state: "removed", removed_at: removedAt }, { source_ref: "e2e-2", removal_state: "removed", removed_at: removedAt }])).toMatchObject({ updated: 2 });
    const sentSoFar = noticeMails().length;
    await new Promise((r) => setTimeout(r, (RESEND_SECONDS + 2) * 1000));
    expect(noticeMails().length).toBe(sentSoFar);

    // ---- the victim's timeline shows each step, and the time to removal
    await victim.reload();
    const timeline = (await victim.locator(".timeline").textContent())!;
    expect(timeline).toContain("We asked E2E Host to remove the images from 2 places.");
    expect(timeline).toContain("We reminded E2E Host to remove the images");
    expect(timeline).toContain("E2E Host removed the images within an hour of our first request.");
    expect(await victim.locator("ol.instances").textContent()).toMatch(/Yes, on/);
    await screenshot(victim, "sightings-victim-status");

    // ---- the supervisor's dashboard
    const supervisor = await staffPage(await addStaff(services, EU_CENTRE_ID, "supervisor", "Sam Supervisor"));
    await supervisor.goto("/staff/dashboard");
    const providerRow = supervisor.getByTestId("provider-times").locator("tr", { hasText: "E2E Host" });
    await expect(providerRow.getByTestId("median").textContent()).resolves.toMatch(/minute/);
    await expect(supervisor.locator("svg[data-testid=chart-time-to-removal]").count()).resolves.toBe(1);
    await expectNoAxeViolations(supervisor);
    await screenshot(supervisor, "sightings-dashboard");

    // ---- a later sighting of the same hash: a re-upload alert for the caseworker
    expect(await api([{ source_ref: "e2e-6", provider: { name: "E2E Host", country: "DE" }, url: URL_REUPLOAD, pdq: flipBits(PDQ, 12), pdq_quality: 90, reported_at: new Date().toISOString() }])).toMatchObject({ created: 1 });
    await staff.goto(`/staff/cases/${caseId}`);
    await expect(staff.getByTestId("reupload-alert").count()).resolves.toBe(1);
    await expect(staff.getByTestId("candidate").filter({ hasText: URL_REUPLOAD }).count()).resolves.toBe(1);
    await screenshot(staff, "sightings-reupload-alert");

    // Nothing anyone saw fetched anything from elsewhere (the addresses above least of all).
    for (const log of logs) log.expectSameOrigin();
    expect(secret).toMatch(/^\d{16}$/);
  }, 180_000);
});
