import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { ErrorSummary, SubmitButton, TextField } from "~/components/ui/form";
import { readForm } from "~/http/form.server";
import { i18nServer } from "~/i18n/i18next.server";
import { getStaffUser, STAFF_SIGN_IN_PATH, TWO_FACTOR_PATH, type StaffSignedIn } from "~/staff/auth.server";
import { TWO_FACTOR_ROLES } from "~/staff/permissions";
import { confirmTotpEnrolment, RECOVERY_CODES_PATH, sealRecoveryCodes, startTotpEnrolment } from "~/staff/two-factor.server";

export const handle = { i18n: ["common", "staff"] };

/**
 * Enrolment: for the roles that need a second factor, right after the first
 * sign-in; for support workers, when they choose to. Someone who has a second
 * factor already must give it before reaching anything.
 */
async function signedInForEnrolment(context: LoaderFunctionArgs["context"], request: Request): Promise<StaffSignedIn> {
  const signedIn = await getStaffUser(context, request);
  if (!signedIn) throw redirect(STAFF_SIGN_IN_PATH);
  if (signedIn.pending === "two-factor") throw redirect(TWO_FACTOR_PATH, { headers: signedIn.headers });
  return signedIn;
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user, headers, twoFactorEnrolled } = await signedInForEnrolment(context, request);
  const t = await i18nServer.getFixedT(request, ["staff", "common"]);
  const title = `${t("twoFactorSetup.title")} – ${t("common:site.name")}`;
  const required = TWO_FACTOR_ROLES.includes(user.role);
  const enrolment = twoFactorEnrolled ? null : await startTotpEnrolment(context, user.id);
  if (!enrolment) return json({ title, required, enrolled: true, qrSvg: "", keyText: "" }, { headers });
  return json({ title, required, enrolled: false, qrSvg: enrolment.qrSvg, keyText: enrolment.keyText }, { headers });
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function action({ request, context }: ActionFunctionArgs) {
  const { user, headers, twoFactorEnrolled } = await signedInForEnrolment(context, request);
  if (twoFactorEnrolled) throw redirect("/staff/account", { headers });
  const form = await readForm(request);
  const code = (form.code ?? "").replace(/\s/g, "");
  if (!code) return json({ errors: [{ field: "code", key: "staff:twoFactorSetup.errors.missing" }] }, { status: 400, headers });
  const result = await confirmTotpEnrolment(context, user, code, request);
  if (result.ok) {
    // The codes are shown once, on the next page; the session was replaced by one that gave the second factor.
    const next = new Headers([["Set-Cookie", sealRecoveryCodes(context, user.id, result.recoveryCodes)]]);
    if (result.setCookie) next.append("Set-Cookie", result.setCookie);
    return redirect(RECOVERY_CODES_PATH, { headers: next });
  }
  if (result.error === "locked") throw redirect("/staff/sign-in?locked=1");
  if (result.error === "not_pending") throw redirect("/staff", { headers });
  return json({ errors: [{ field: "code", key: "staff:twoFactorSetup.errors.invalid" }] }, { status: 400, headers });
}

export default function TwoFactorSetup() {
  const { required, enrolled, qrSvg, keyText } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { t } = useTranslation("staff");
  if (enrolled) {
    return (
      <div className="prose">
        <h1>{t("twoFactorSetup.title")}</h1>
        <p>{t("twoFactorSetup.alreadyOn")}</p>
        <p>
          <Link to="/staff/account">{t("shell.nav.account")}</Link>
        </p>
      </div>
    );
  }
  const errors = actionData?.errors ?? [];
  return (
    <div className="prose">
      <ErrorSummary errors={errors} />
      <h1>{t("twoFactorSetup.title")}</h1>
      <p>{required ? t("twoFactorSetup.leadRequired") : t("twoFactorSetup.leadOptional")}</p>
      <p>{t("twoFactorSetup.scan")}</p>
      <div className="qr-code" role="img" aria-label={t("twoFactorSetup.qrLabel")} dangerouslySetInnerHTML={{ __html: qrSvg }} />
      <p>{t("twoFactorSetup.typeKey")}</p>
      <p className="totp-key">
        <span className="visually-hidden">{t("twoFactorSetup.keyLabel")}: </span>
        <code data-testid="totp-key" dir="ltr">
          {keyText}
        </code>
      </p>
      <p>{t("twoFactorSetup.enterCode")}</p>
      <Form method="post" noValidate>
        <TextField name="code" label={t("twoFactorSetup.code")} errors={errors} autoComplete="one-time-code" dir="ltr" />
        <div className="actions">
          <SubmitButton>{t("twoFactorSetup.submit")}</SubmitButton>
        </div>
      </Form>
    </div>
  );
}
