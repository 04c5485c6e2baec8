import { json } from "@remix-run/node";
import { Forbidden } from "~/staff/cases.server";
import { RemovalError } from "./notices.server";

/**
 * Run a matching or removal step for a route: a rule of the process is a 400
 * with a translated message (`removal:<key>`), a refused permission a 403.
 */
export async function attemptRemoval(headers: Headers, work: () => Promise<unknown>) {
  try {
    await work();
    return null;
  } catch (error) {
    if (error instanceof RemovalError) return json({ errors: [{ field: "removal", key: `removal:${error.key}` }] }, { status: 400, headers });
    if (error instanceof Forbidden) throw new Response(null, { status: 403 });
    throw error;
  }
}
