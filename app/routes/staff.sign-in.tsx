import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import type { FieldError } from "~/cases/request";
import { ErrorSummary, SubmitButton, TextField } from "~/components/ui/form";
import { readForm } from "~/http/form.server";
import { i18nServer } from "~/i18n/i18next.server";
import { getStaffUser, startPage, TWO_FACTOR_PATH, TWO_FACTOR_SETUP_PATH } from "~/staff/auth.server";
import { LOCK_AFTER_FAILURES, LOCK_MINUTES, signInStaff } from "~/staff/sign-in.server";

export const handle = { i18n: ["common", "staff"] };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const signedIn = await getStaffUser(context, request);
  if (signedIn) {
    const next = signedIn.pending === "two-factor" ? TWO_FACTOR_PATH : signedIn.pending === "two-factor-setup" ? TWO_FACTOR_SETUP_PATH : startPage(signedIn.user);
    throw redirect(next, { headers: signedIn.headers });
  }
  const t = await i18nServer.getFixedT(request, ["staff", "common"]);
  const params = new URL(request.url).searchParams;
  const notice = params.get("signedOut") === "everywhere" ? "everywhere" : params.get("signedOut") === "1" ? "signedOut" : params.get("locked") === "1" ? "locked" : null;
  return json({ title: `${t("signIn.title")} – ${t("common:site.name")}`, notice, lockMinutes: LOCK_MINUTES });
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await readForm(request);
  const email = (form.email ?? "").trim();
  const password = form.password ?? "";
  const errors: FieldError[] = [
    ...(!email ? [{ field: "email", key: "staff:signIn.errors.emailMissing" }] : []),
    ...(!password ? [{ field: "password", key: "staff:signIn.errors.passwordMissing" }] : []),
  ];
  if (errors.length) return json({ errors, values: { email } }, { status: 400 });
  const result = await signInStaff(context, { email, password, request });
  if (result.ok) return redirect(result.next, { headers: { "Set-Cookie": result.setCookie } });
  // One message for an unknown address, a wrong password, and a locked or disabled account.
  const invalid: FieldError = { field: "email", key: "staff:signIn.errors.invalid", params: { attempts: LOCK_AFTER_FAILURES, minutes: LOCK_MINUTES } };
  return json({ errors: [invalid], values: { email } }, { status: 400 });
}

export default function StaffSignIn() {
  const { notice, lockMinutes } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { t } = useTranslation("staff");
  const errors = actionData?.errors ?? [];
  return (
    <div className="prose">
      {notice && !actionData ? (
        <p className="notice" role="status">
          {notice === "everywhere" ? t("signIn.signedOutEverywhere") : notice === "locked" ? t("signIn.locked", { minutes: lockMinutes }) : t("signIn.signedOut")}
        </p>
      ) : null}
      <ErrorSummary errors={errors} />
      <h1>{t("signIn.title")}</h1>
      <p>
        {t("signIn.lead")} <Link to="/">{t("common:nav.start")}</Link>
      </p>
      <Form method="post" noValidate>
        <TextField name="email" type="email" label={t("signIn.email")} value={actionData?.values.email} errors={errors} autoComplete="username" dir="ltr" />
        <TextField name="password" type="password" label={t("signIn.password")} errors={errors} autoComplete="current-password" dir="ltr" />
        <div className="actions">
          <SubmitButton>{t("signIn.submit")}</SubmitButton>
        </div>
      </Form>
    </div>
  );
}
