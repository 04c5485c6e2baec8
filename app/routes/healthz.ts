import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { pingDatabase } from "~/db/db.server";

export async function loader({ context }: LoaderFunctionArgs) {
  const db = (await pingDatabase(context.db)) ? "ok" : "unavailable";
  const ok = db === "ok";
  return json({ status: ok ? "ok" : "unavailable", db }, { status: ok ? 200 : 503, headers: { "Cache-Control": "no-store" } });
}
