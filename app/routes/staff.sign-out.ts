import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { getStaffUser } from "~/staff/auth.server";
import { signOutStaff } from "~/staff/sign-in.server";

export async function action({ request, context }: ActionFunctionArgs) {
  const signedIn = await getStaffUser(context, request);
  const setCookie = await signOutStaff(context, request, signedIn?.user ?? null);
  return redirect("/staff/sign-in?signedOut=1", { headers: { "Set-Cookie": setCookie } });
}

export const loader = () => redirect("/staff");
