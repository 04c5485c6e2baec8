import type { LoaderFunctionArgs } from "@remix-run/node";
import { recordAudit } from "~/audit/audit.server";
import { recordOfProcessing } from "~/privacy/record.server";
import { retentionPolicy } from "~/privacy/retention.server";
import { requireStaff } from "~/staff/auth.server";

/** The record of processing activities as a Markdown file (the same as `npx reclaim privacy:record`). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user, headers } = await requireStaff(context, request, { permission: "read:privacy-record" });
  await recordAudit(context, { actorKind: "staff", actorId: user.id, organisationId: user.organisationId, action: "privacy.record.download" });
  headers.set("Content-Type", "text/markdown; charset=utf-8");
  headers.set("Content-Disposition", 'attachment; filename="record-of-processing.md"');
  return new Response(recordOfProcessing({ policy: retentionPolicy(context.env) }), { headers });
}
