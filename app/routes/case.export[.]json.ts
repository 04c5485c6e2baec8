import type { LoaderFunctionArgs } from "@remix-run/node";
import { recordAudit } from "~/audit/audit.server";
import { requireRequester } from "~/cases/requester.server";
import { i18nServer } from "~/i18n/i18next.server";
import { buildCaseExport } from "~/privacy/export.server";

/** The same document as /case/export, as a JSON file in the reader's language. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { caseId, headers } = await requireRequester(context, request);
  const language = await i18nServer.getLocale(request);
  const t = await i18nServer.getFixedT(request, ["privacy", "case", "request", "common"]);
  const document = await buildCaseExport(context, caseId, t, language);
  await recordAudit(context, { actorKind: "requester", actorId: null, action: "case.export", caseId, details: { format: "json" } });
  headers.set("Content-Type", "application/json; charset=utf-8");
  // A neutral file name: it may sit in a shared Downloads folder.
  headers.set("Content-Disposition", `attachment; filename="export-${document.generatedAt.slice(0, 10)}.json"`);
  headers.set("Cache-Control", "no-store");
  return new Response(JSON.stringify(document, null, 2) + "\n", { headers });
}
