import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/databases";
import { startTestServer, type TestServer } from "../support/http";

/**
 * CSRF: a state-changing request from another site is refused before any
 * route sees it, whatever cookies it carries; the portal's own forms pass.
 */
describe("origin check", () => {
  let database: TestDatabase;
  let server: TestServer;
  let behindProxy: TestServer;

  beforeAll(async () => {
    database = await createTestDatabase("sqlite");
    server = await startTestServer(database);
    behindProxy = await startTestServer(database, { PUBLIC_URL: "https://reclaim.example" });
  });
  afterAll(async () => {
    await server?.close();
    await behindProxy?.close();
    await database?.destroy();
  });

  const post = (base: string, headers: Record<string, string>, path = "/staff/sign-in") =>
    fetch(base + path, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      body: "email=a%40b.example&password=x",
    });

  it("refuses a post whose Origin is another site", async () => {
    for (const origin of ["https://evil.example", `http://evil.example:${new URL(server.url).port}`, "http://127.0.0.1.evil.example", "not a url"]) {
      const response = await post(server.url, { origin });
      expect(response.status, origin).toBe(403);
      expect(response.headers.get("cache-control")).toBe("no-store");
    }
    // Any route, any method that changes state.
    expect((await post(server.url, { origin: "https://evil.example" }, "/case")).status).toBe(403);
    const put = await fetch(`${server.url}/staff/sign-out`, { method: "PUT", redirect: "manual", headers: { origin: "https://evil.example" } });
    expect(put.status).toBe(403);
  });

  it("lets the portal's own forms through", async () => {
    expect((await post(server.url, { origin: server.url })).status).toBe(400); // the form's own answer: wrong password
    // Behind a TLS proxy the server sees plain HTTP; the host still matches.
    expect((await post(server.url, { origin: server.url.replace("http:", "https:") })).status).toBe(400);
    // A proxy that rewrites Host passes the public one on; PUBLIC_URL names the portal's origin.
    expect((await post(behindProxy.url, { origin: "https://reclaim.example", "x-forwarded-host": "reclaim.example" })).status).toBe(400);
    expect((await post(behindProxy.url, { origin: "https://evil.example", "x-forwarded-host": "reclaim.example" })).status).toBe(403);
  });

  it("decides by Sec-Fetch-Site when Origin is null (Referrer-Policy: no-referrer) or absent", async () => {
    expect((await post(server.url, { origin: "null", "sec-fetch-site": "same-origin" })).status).toBe(400);
    expect((await post(server.url, { origin: "null", "sec-fetch-site": "cross-site" })).status).toBe(403);
    expect((await post(server.url, { origin: "null", "sec-fetch-site": "same-site" })).status).toBe(403);
    expect((await post(server.url, { origin: "null" })).status).toBe(403);
    expect((await post(server.url, { "sec-fetch-site": "cross-site" })).status).toBe(403);
    expect((await post(server.url, { "sec-fetch-site": "same-origin" })).status).toBe(400);
    // Neither header: not a browser page (a script, the command line); SameSite cookies still protect.
    expect((await post(server.url, {})).status).toBe(400);
    // A foreign Origin is refused even if Sec-Fetch-Site claims otherwise.
    expect((await post(server.url, { origin: "https://evil.example", "sec-fetch-site": "same-origin" })).status).toBe(403);
  });

  it("never stands in the way of reading: GET and HEAD pass whatever their origin", async () => {
    const get = await fetch(`${server.url}/staff/sign-in`, { headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site" } });
    expect(get.status).toBe(200);
    const head = await fetch(`${server.url}/`, { method: "HEAD", headers: { "sec-fetch-site": "cross-site" } });
    expect(head.status).toBe(200);
  });
});
