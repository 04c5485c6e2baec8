import { PassThrough } from "node:stream";
import { createReadableStreamFromReadable, type AppLoadContext, type EntryContext } from "@remix-run/node";
import { isRouteErrorResponse, RemixServer } from "@remix-run/react";
import { createInstance } from "i18next";
import { isbot } from "isbot";
import { renderToPipeableStream } from "react-dom/server";
import { I18nextProvider, initReactI18next } from "react-i18next";
import { defaultNamespace, fallbackLanguage } from "./i18n/config";
import { i18nServer, resources } from "./i18n/i18next.server";
import { NonceProvider } from "./components/nonce";

const ABORT_DELAY = 5_000;

/**
 * Server errors are logged by their message only: a request's URL, body or
 * headers may carry personal data, and logs must carry none.
 */
export function handleError(error: unknown, { request }: { request: Request }) {
  if (request.signal.aborted) return;
  if (isRouteErrorResponse(error)) return;
  console.error(`[server error] ${error instanceof Error ? `${error.name}: ${error.message}` : "unknown error"}`);
}

export default async function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  const lng = await i18nServer.getLocale(request);
  const i18n = createInstance();
  await i18n.use(initReactI18next).init({
    lng,
    fallbackLng: fallbackLanguage,
    defaultNS: defaultNamespace,
    ns: i18nServer.getRouteNamespaces(remixContext),
    resources,
    interpolation: { escapeValue: false },
  });

  const nonce = loadContext.cspNonce;
  // Crawlers get the whole page at once; people get it streamed.
  const readyEvent = isbot(request.headers.get("user-agent") ?? "") ? "onAllReady" : "onShellReady";

  return new Promise((resolve, reject) => {
    let shellRendered = false;
    const { pipe, abort } = renderToPipeableStream(
      <NonceProvider value={nonce}>
        <I18nextProvider i18n={i18n}>
          <RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY} nonce={nonce} />
        </I18nextProvider>
      </NonceProvider>,
      {
        nonce,
        [readyEvent]() {
          shellRendered = true;
          const body = new PassThrough();
          responseHeaders.set("Content-Type", "text/html; charset=utf-8");
          resolve(
            new Response(createReadableStreamFromReadable(body), { headers: responseHeaders, status: responseStatusCode }),
          );
          pipe(body);
        },
        onShellError(error: unknown) {
          reject(error);
        },
        onError(error: unknown) {
          responseStatusCode = 500;
          // Errors after the shell are logged without request data: no personal data in logs.
          if (shellRendered) console.error(error instanceof Error ? error.message : "render error");
        },
      },
    );
    setTimeout(abort, ABORT_DELAY);
  });
}
