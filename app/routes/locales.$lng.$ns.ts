import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { namespaceResource } from "~/i18n/i18next.server";

/** One namespace of translations for the browser, so a page loads only what it uses. */
export async function loader({ params }: LoaderFunctionArgs) {
  const resource = namespaceResource(params.lng ?? "", params.ns ?? "");
  if (!resource) throw new Response(null, { status: 404 });
  // No personal data: a short public cache spares repeat downloads and still picks up a new release soon.
  return json(resource, { headers: { "Cache-Control": "public, max-age=300" } });
}
