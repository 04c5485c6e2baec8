import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import compression from "compression";
import express from "express";
import helmet from "helmet";
import onHeaders from "on-headers";
import type { Services } from "~/context";
import { originCheck } from "./origin-check.server";
import { servedOverHttps } from "~/env.server";

/** The browser may not use any of these; the portal needs none of them. */
const PERMISSIONS_POLICY = [
  "camera=()",
  "microphone=()",
  "geolocation=()",
  "payment=()",
  "usb=()",
  "interest-cohort=()",
  "browsing-topics=()",
].join(", ");

export interface HttpAppOptions {
  build: ServerBuild;
  services: Services;
  publicDir?: string;
}

/**
 * The HTTP layer: security headers, static files, and the Remix handler.
 * Every response defaults to Cache-Control: no-store; only static assets and
 * public translations opt into caching.
 */
export function createHttpApp({ build, services, publicDir = path.resolve("public") }: HttpAppOptions) {
  const app = express();
  // Only a portal served over HTTPS may insist on it: on plain http://localhost,
  // upgrade-insecure-requests would send every form to an https:// that isn't there.
  const https = servedOverHttps(services.env);
  app.disable("x-powered-by");
  app.set("trust proxy", false);

  app.use((_req, res, next) => {
    res.locals.cspNonce = randomBytes(16).toString("base64");
    res.setHeader("Permissions-Policy", PERMISSIONS_POLICY);
    noStoreUnlessSet(res);
    next();
  });

  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          // 'wasm-unsafe-eval' lets the hash worker compile hash-wasm's WebAssembly
          // (SHA-256 and MD5 of files, on the victim's device): browsers refuse to compile
          // WebAssembly without it (checked in Chromium: hashing fails). It allows no
          // JavaScript eval; 'unsafe-eval' stays off. Chromium applies the policy of the
          // worker script's own response, which this same middleware sends; it is on the
          // pages too because some browsers give a worker its page's policy.
          scriptSrc: [
            "'self'",
            "'wasm-unsafe-eval'",
            (_req, res) => `'nonce-${(res as ServerResponse & { locals: { cspNonce: string } }).locals.cspNonce}'`,
          ],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", "data:"],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          workerSrc: ["'self'", "blob:"],
          objectSrc: ["'none'"],
          frameAncestors: ["'none'"],
          formAction: ["'self'"],
          baseUri: ["'none'"],
          ...(https ? { upgradeInsecureRequests: [] } : {}),
        },
      },
      referrerPolicy: { policy: "no-referrer" },
      strictTransportSecurity: https ? { maxAge: 63072000, includeSubDomains: true } : false,
      crossOriginEmbedderPolicy: false,
      xFrameOptions: { action: "deny" },
    }),
  );
  app.use(compression());

  // Fingerprinted build output never changes; everything else in public/ may.
  app.use("/build", express.static(path.join(publicDir, "build"), { immutable: true, maxAge: "1y", index: false }));
  // Workers are not fingerprinted: revalidate each time, so a page never runs with last version's worker.
  app.use(
    "/workers",
    express.static(path.join(publicDir, "workers"), { index: false, cacheControl: false, setHeaders: (res) => res.setHeader("Cache-Control", "no-cache") }),
  );
  app.use(express.static(publicDir, { maxAge: "1h", index: false }));

  // Cross-site form posts and fetches are refused before they reach a route.
  app.use(originCheck({ publicUrl: services.env.PUBLIC_URL }));

  app.all(
    "*",
    createRequestHandler({
      build,
      mode: services.env.NODE_ENV,
      getLoadContext: (req, res) => ({
        ...services,
        cspNonce: res.locals.cspNonce as string,
        clientAddress: req.socket.remoteAddress ?? "unknown",
      }),
    }),
  );

  return app;
}

/** Unless a handler chose a cache policy, nothing may be stored: any page may show personal data. */
function noStoreUnlessSet(res: ServerResponse<IncomingMessage>) {
  onHeaders(res, function (this: ServerResponse) {
    if (!this.getHeader("Cache-Control")) this.setHeader("Cache-Control", "no-store");
  });
}
