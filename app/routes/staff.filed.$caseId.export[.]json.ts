import type { LoaderFunctionArgs } from "@remix-run/node";
import { i18nServer } from "~/i18n/i18next.server";
import { buildCaseExport } from "~/privacy/export.server";
import { requireStaff } from "~/staff/auth.server";
import { Forbidden } from "~/staff/cases.server";
import { authorizeFiledCase } from "~/staff/filed.server";
import { recordAudit } from "~/audit/audit.server";

/** The victim's data export (GDPR Art. 15), fetched for them by the support worker acting under their mandate. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { user, headers } = await requireStaff(context, request, { permission: "read:filed-case" });
  const caseId = params.caseId ?? "";
  try {
    await authorizeFiledCase(context, user, caseId, "read:filed-case");
  } catch (error) {
    if (error instanceof Forbidden) throw new Response(null, { status: 403 });
    throw error;
  }
  const language = await i18nServer.getLocale(request);
  const t = await i18nServer.getFixedT(request, ["privacy", "case", "request", "common"]);
  const document = await buildCaseExport(context, caseId, t, language);
  await recordAudit(context, { actorKind: "staff", actorId: user.id, organisationId: user.organisationId, action: "case.export", caseId, details: { format: "json" } });
  headers.set("Content-Type", "application/json; charset=utf-8");
  headers.set("Content-Disposition", `attachment; filename="export-${document.generatedAt.slice(0, 10)}.json"`);
  headers.set("Cache-Control", "no-store");
  return new Response(JSON.stringify(document, null, 2) + "\n", { headers });
}
