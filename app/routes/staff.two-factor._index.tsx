import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { ErrorSummary, SubmitButton, TextField } from "~/components/ui/form";
import { readForm } from "~/http/form.server";
import { i18nServer } from "~/i18n/i18next.server";
import { getStaffUser, startPage, STAFF_SIGN_IN_PATH, TWO_FACTOR_SETUP_PATH, type StaffSignedIn } from "~/staff/auth.server";
import { verifySecondFactor } from "~/staff/two-factor.server";

export const handle = { i18n: ["common", "staff"] };

/** Only a session that still owes its second factor (with one enrolled) belongs here. */
async function owingSecondFactor(context: LoaderFunctionArgs["context"], request: Request): Promise<StaffSignedIn> {
  const signedIn = await getStaffUser(context, request);
  if (!signedIn) throw redirect(STAFF_SIGN_IN_PATH);
  if (signedIn.pending === "two-factor-setup") throw redirect(TWO_FACTOR_SETUP_PATH, { headers: signedIn.headers });
  if (signedIn.pending === null) throw redirect(startPage(signedIn.user), { headers: signedIn.headers });
  return signedIn;
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { headers } = await owingSecondFactor(context, request);
  const t = await i18nServer.getFixedT(request, ["staff", "common"]);
  return json({ title: `${t("twoFactor.title")} – ${t("common:site.name")}` }, { headers });
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function action({ request, context }: ActionFunctionArgs) {
  const { user, headers } = await owingSecondFactor(context, request);
  const form = await readForm(request);
  const code = (form.code ?? "").trim();
  if (!code) return json({ errors: [{ field: "code", key: "staff:twoFactor.errors.missing" }] }, { status: 400, headers });
  const result = await verifySecondFactor(context, user, code, request);
  if (result.ok) {
    const next = result.recoveryCodeUsed ? "/staff/account?recovery=used" : startPage(user);
    return redirect(next, { headers: result.setCookie ? { "Set-Cookie": result.setCookie } : undefined });
  }
  if (result.locked) return redirect("/staff/sign-in?locked=1", { headers: result.setCookie ? { "Set-Cookie": result.setCookie } : undefined });
  return json({ errors: [{ field: "code", key: "staff:twoFactor.errors.invalid" }] }, { status: 400, headers });
}

export default function TwoFactor() {
  const actionData = useActionData<typeof action>();
  const { t } = useTranslation("staff");
  const errors = actionData?.errors ?? [];
  return (
    <div className="prose">
      <ErrorSummary errors={errors} />
      <h1>{t("twoFactor.title")}</h1>
      <p>{t("twoFactor.lead")}</p>
      <Form method="post" noValidate>
        <TextField name="code" label={t("twoFactor.code")} hint={t("twoFactor.codeHint")} errors={errors} autoComplete="one-time-code" dir="ltr" />
        <div className="actions">
          <SubmitButton>{t("twoFactor.submit")}</SubmitButton>
        </div>
      </Form>
      <Form method="post" action="/staff/sign-out" reloadDocument>
        <button type="submit" className="button button--secondary button--small">
          {t("twoFactor.cancel")}
        </button>
      </Form>
    </div>
  );
}
