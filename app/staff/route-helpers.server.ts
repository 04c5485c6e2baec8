import { json } from "@remix-run/node";
import { CaseworkError, Forbidden } from "./cases.server";

/**
 * Run a caseworker's change and turn refusals into answers: a rule of the
 * process (wrong state, missing reason) is a 400 with a translated message;
 * a permission refused is a 403, whatever the id.
 */
export async function attempt(headers: Headers, work: () => Promise<void>) {
  try {
    await work();
    return null;
  } catch (error) {
    if (error instanceof CaseworkError) return json({ errors: [{ field: "action", key: `casework:${error.key}` }] }, { status: 400, headers });
    if (error instanceof Forbidden) throw new Response(null, { status: 403 });
    throw error;
  }
}
