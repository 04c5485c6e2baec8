import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/databases";
import { startTestServer, type TestServer } from "../support/http";

/** The security baseline every response carries (issue: Foundation). */
describe("security headers", () => {
  let database: TestDatabase;
  let server: TestServer;
  beforeAll(async () => {
    database = await createTestDatabase("sqlite");
    server = await startTestServer(database);
  });
  afterAll(async () => {
    await server?.close();
    await database?.destroy();
  });

  const get = (path: string, init?: RequestInit) => fetch(server.url + path, init);

  function cspOf(response: Response) {
    const header = response.headers.get("content-security-policy") ?? "";
    return Object.fromEntries(
      header
        .split(";")
        .map((d) => d.trim())
        .filter(Boolean)
        .map((d) => {
          const [name, ...values] = d.split(/\s+/);
          return [name, values];
        }),
    ) as Record<string, string[]>;
  }

  it("sends a strict Content-Security-Policy with a fresh nonce that the page's scripts carry", async () => {
    const first = await get("/");
    const html = await first.text();
    const csp = cspOf(first);
    expect(csp["default-src"]).toEqual(["'self'"]);
    expect(csp["frame-ancestors"]).toEqual(["'none'"]);
    expect(csp["form-action"]).toEqual(["'self'"]);
    expect(csp["base-uri"]).toEqual(["'none'"]);
    expect(csp["object-src"]).toEqual(["'none'"]);
    const scriptSrc = csp["script-src"];
    expect(scriptSrc).not.toContain("'unsafe-inline'");
    expect(scriptSrc).not.toContain("'unsafe-eval'");
    // Besides our own scripts, only WebAssembly compilation (hash-wasm, in the hash worker).
    expect(scriptSrc.filter((s) => !s.startsWith("'nonce-"))).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    const nonce = scriptSrc.find((s) => s.startsWith("'nonce-"))!.slice("'nonce-".length, -1);
    expect(nonce.length).toBeGreaterThanOrEqual(16);

    // Every inline script of the page carries this response's nonce.
    const inlineScripts = [...html.matchAll(/<script(?![^>]*\bsrc=)([^>]*)>/g)];
    expect(inlineScripts.length).toBeGreaterThan(0);
    for (const [, attributes] of inlineScripts) expect(attributes).toContain(`nonce="${nonce}"`);

    const second = await get("/");
    expect(cspOf(second)["script-src"]).not.toContain(`'nonce-${nonce}'`);
  });

  it("sends the other protective headers", async () => {
    const response = await get("/");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    const permissions = response.headers.get("permissions-policy") ?? "";
    for (const feature of ["camera", "microphone", "geolocation"]) expect(permissions).toContain(`${feature}=()`);
    expect(response.headers.get("x-powered-by")).toBeNull();
  });

  it("sends HSTS and upgrades requests only when served over HTTPS", async () => {
    expect((await get("/")).headers.get("strict-transport-security")).toBeNull();
    expect(cspOf(await get("/"))["upgrade-insecure-requests"]).toBeUndefined();
    const database2 = await createTestDatabase("sqlite");
    const https = await startTestServer(database2, { PUBLIC_URL: "https://reclaim.example" });
    try {
      const response = await fetch(`${https.url}/`);
      expect(response.headers.get("strict-transport-security")).toMatch(/max-age=\d{7,}/);
      expect(cspOf(response)["upgrade-insecure-requests"]).toEqual([]);
    } finally {
      await https.close();
      await database2.destroy();
    }
  });

  it("forbids caching of pages, data requests, errors and the health check", async () => {
    for (const path of ["/", "/?_data=root", "/no-such-page", "/healthz"]) {
      const response = await get(path);
      expect(response.headers.get("cache-control"), path).toBe("no-store");
    }
  });

  it("lets fingerprinted assets be cached", async () => {
    const html = await (await get("/")).text();
    const asset = html.match(/\/build\/[^"]+\.js/)![0];
    const response = await get(asset);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toContain("immutable");
  });

  it("loads nothing from another origin", async () => {
    const html = await (await get("/")).text();
    const urls = [...html.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    const external = urls.filter((u) => /^(https?:)?\/\//.test(u));
    // The quick exit is a link away from the portal, not a resource it loads.
    expect(external).toEqual([server.env.QUICK_EXIT_URL]);
    expect(html).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)="(https?:)?\/\//);
  });
});

describe("health check", () => {
  it("answers 200 with the database ok, and 503 naming the database when it is down", async () => {
    const database = await createTestDatabase("sqlite");
    const server = await startTestServer(database);
    try {
      const up = await fetch(`${server.url}/healthz`);
      expect(up.status).toBe(200);
      expect(await up.json()).toEqual({ status: "ok", db: "ok" });
      await database.db.destroy();
      const down = await fetch(`${server.url}/healthz`);
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual({ status: "unavailable", db: "unavailable" });
    } finally {
      await server.close();
      await database.destroy().catch(() => {});
    }
  });
});
