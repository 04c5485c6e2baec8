import type { BrowserContext, Request, Route } from "playwright-core";

/** What stands in for the quick exit site: neutral, and from another origin. */
export const NEUTRAL_PAGE_TITLE = "Weather forecast";
export const NEUTRAL_PAGE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${NEUTRAL_PAGE_TITLE}</title></head>
<body><h1>${NEUTRAL_PAGE_TITLE}</h1><p data-testid="neutral-page">Sunny spells, light winds.</p></body></html>`;

export interface RecordedRequest {
  url: string;
  method: string;
  resourceType: string;
  /** The URL of the frame that made it, when known. */
  frameUrl?: string;
  /** The Referer header sent, if any. */
  referer?: string;
}

export interface RequestLog {
  /** Every request any page of the context made, in order. */
  readonly all: RecordedRequest[];
  /** Requests to another origin than the portal's, the allowed ones excepted. */
  foreign(): RecordedRequest[];
  /** Throws, listing them, if any request left the portal's origin (the allowed ones excepted). */
  expectSameOrigin(): void;
  /** Stop checking this context (for a test that means to leave the site in other ways). */
  allow(url: string | RegExp): void;
}

/**
 * Record every request made in `context`, and keep them all on this machine:
 * requests to another origin never reach the network. The allowed URLs (the
 * quick exit target) are answered with the neutral page; anything else
 * foreign is aborted, recorded, and fails expectSameOrigin().
 */
export async function recordRequests(
  context: BrowserContext,
  { origin, allowed = [] }: { origin: string; allowed?: Array<string | RegExp> },
): Promise<RequestLog> {
  const portalOrigin = new URL(origin).origin;
  const allowList = [...allowed];
  const isAllowed = (url: string) => allowList.some((a) => (typeof a === "string" ? sameUrl(a, url) : a.test(url)));
  const isForeign = (url: string) => {
    const u = new URL(url);
    // data:, blob:, about: and the like never touch the network.
    if (!["http:", "https:", "ws:", "wss:"].includes(u.protocol)) return false;
    return u.origin !== portalOrigin;
  };

  const all: RecordedRequest[] = [];
  context.on("request", (request: Request) => {
    let frameUrl: string | undefined;
    try {
      frameUrl = request.frame().url();
    } catch {
      // Service-worker requests have no frame.
    }
    all.push({
      url: request.url(),
      method: request.method(),
      resourceType: request.resourceType(),
      frameUrl,
      referer: request.headers()["referer"],
    });
  });

  await context.route(
    (url) => isForeign(url.href),
    (route: Route) => {
      const url = route.request().url();
      if (isAllowed(url) && route.request().resourceType() === "document") {
        return route.fulfill({ status: 200, contentType: "text/html; charset=utf-8", body: NEUTRAL_PAGE_HTML });
      }
      return route.abort("blockedbyclient");
    },
  );

  const foreign = () => all.filter((r) => isForeign(r.url) && !isAllowed(r.url));
  return {
    all,
    foreign,
    expectSameOrigin() {
      const bad = foreign();
      if (bad.length === 0) return;
      const lines = bad.map((r) => `  ${r.method} ${r.url} (${r.resourceType}${r.frameUrl ? `, from ${r.frameUrl}` : ""})`);
      throw new Error(`${bad.length} request(s) left the portal's origin ${portalOrigin}:\n${lines.join("\n")}`);
    },
    allow(url) {
      allowList.push(url);
    },
  };
}

function sameUrl(a: string, b: string) {
  return new URL(a).href === new URL(b).href;
}
