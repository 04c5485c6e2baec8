import { redirect, type LoaderFunctionArgs } from "@remix-run/node";
import { requireStaff, startPage } from "~/staff/auth.server";

/** The staff home: each role goes to where its work starts. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user, headers } = await requireStaff(context, request);
  return redirect(startPage(user), { headers });
}
