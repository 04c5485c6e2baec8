import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { requireStaff } from "~/staff/auth.server";
import { signOutEverywhere } from "~/staff/sign-in.server";

/** End every session of the signed-in staff member, on every device. */
export async function action({ request, context }: ActionFunctionArgs) {
  const { user } = await requireStaff(context, request);
  const setCookie = await signOutEverywhere(context, request, user);
  return redirect("/staff/sign-in?signedOut=everywhere", { headers: { "Set-Cookie": setCookie } });
}

export const loader = () => redirect("/staff/account");
