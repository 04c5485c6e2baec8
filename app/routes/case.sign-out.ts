import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { destroyCaseSession } from "~/sessions/session.server";

export async function action({ request, context }: ActionFunctionArgs) {
  return redirect("/case?signedOut=1", { headers: { "Set-Cookie": await destroyCaseSession(context, request) } });
}

export const loader = () => redirect("/case");
