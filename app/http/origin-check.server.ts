import type { NextFunction, Request, Response } from "express";

/**
 * CSRF defence in depth, beside SameSite=Strict cookies: a state-changing
 * request (any method but GET, HEAD and OPTIONS) must come from this site.
 *
 * - An `Origin` header must name this server: the host the request was sent
 *   to (the Host header), or PUBLIC_URL's origin.
 * - Browsers send `Origin: null` for a same-origin form post under the
 *   portal's `Referrer-Policy: no-referrer`; then, and when Origin is absent,
 *   the Fetch Metadata header decides: `Sec-Fetch-Site` must be `same-origin`
 *   (or `none`, a request the person started themselves).
 * - With neither header the request did not come from a modern browser's
 *   page (a command-line client, a test); SameSite cookies still apply.
 */
export function originCheck({ publicUrl }: { publicUrl?: string }) {
  const publicOrigin = publicUrl ? new URL(publicUrl).origin : null;
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS") return next();
    if (sameOrigin(req, publicOrigin)) {
      // Remix runs its own origin check and, unlike the Fetch standard, reads
      // `Origin: null` (what no-referrer makes browsers send for our own form
      // posts) as a foreign host and fails with a 500. The request has just
      // been proved same-origin, so drop the opaque header before Remix sees it.
      if (req.headers.origin === "null") delete req.headers.origin;
      return next();
    }
    res.status(403).type("text/plain").set("Cache-Control", "no-store").send("Forbidden: this request did not come from this site.");
  };
}

function sameOrigin(req: Request, publicOrigin: string | null): boolean {
  const origin = req.get("Origin");
  const fetchSite = req.get("Sec-Fetch-Site");
  if (origin && origin !== "null") {
    if (origin === publicOrigin) return true;
    // The host, not the scheme: behind a TLS proxy the server itself sees plain HTTP (as Go's CrossOriginProtection does).
    const host = req.get("Host");
    try {
      return host !== undefined && new URL(origin).host === host.toLowerCase();
    } catch {
      return false;
    }
  }
  if (fetchSite !== undefined) return fetchSite === "same-origin" || fetchSite === "none";
  return origin === undefined;
}
