import type { LoaderFunctionArgs } from "@remix-run/node";
import { openApiDocument } from "~/sightings/openapi";

/** The OpenAPI 3.1 description of the sightings API; public, no personal data. */
export function loader({ request, context }: LoaderFunctionArgs) {
  const origin = (context.env.PUBLIC_URL ?? new URL(request.url).origin).replace(/\/+$/, "");
  return new Response(JSON.stringify(openApiDocument(origin), null, 2), {
    headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "public, max-age=300" },
  });
}
