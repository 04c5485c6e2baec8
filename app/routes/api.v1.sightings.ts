import type { ActionFunctionArgs } from "@remix-run/node";
import { methodNotAllowed, postSightings } from "~/sightings/api.server";

/** The sightings API: POST a batch (see /api/v1/openapi.json). */
export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed();
  return postSightings(context, request);
}

export function loader() {
  return methodNotAllowed();
}
