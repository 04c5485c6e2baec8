import { json, redirect, type ActionFunctionArgs, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { signInToCase } from "~/cases/sign-in.server";
import { ErrorSummary, SubmitButton, TextField } from "~/components/ui/form";
import { i18nServer } from "~/i18n/i18next.server";
import { getCaseSession } from "~/sessions/session.server";
import { readForm } from "~/http/form.server";

export const handle = { i18n: ["common", "case"] };

export async function loader({ request, context }: LoaderFunctionArgs) {
  if (await getCaseSession(context, request)) throw redirect("/case/status");
  const t = await i18nServer.getFixedT(request, ["case", "common"]);
  const signedOut = new URL(request.url).searchParams.get("signedOut") === "1";
  const erased = new URL(request.url).searchParams.get("erased");
  return json({ title: `${t("signIn.title")} – ${t("common:site.name")}`, signedOut, erased: erased === "1" ? "all" : erased === "held" ? "held" : null });
}

/** A rate-limited sign-in tells the browser when to try again. */
export const headers: HeadersFunction = ({ actionHeaders }) => {
  const headers = new Headers();
  const retryAfter = actionHeaders.get("Retry-After");
  if (retryAfter) headers.set("Retry-After", retryAfter);
  return headers;
};

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await readForm(request);
  const reference = form.reference ?? "";
  const secret = form.secret ?? "";
  const values = { reference };
  if (!reference.trim() || !secret.trim()) {
    const errors = [
      ...(!reference.trim() ? [{ field: "reference", key: "case:signIn.errors.referenceMissing" }] : []),
      ...(!secret.trim() ? [{ field: "secret", key: "case:signIn.errors.secretMissing" }] : []),
    ];
    return json({ errors, values }, { status: 400 });
  }
  const result = await signInToCase(context, { reference, secret, clientAddress: context.clientAddress });
  if (result.ok) return redirect("/case/status", { headers: { "Set-Cookie": result.setCookie } });
  if (result.reason === "rate_limited") {
    const minutes = Math.max(1, Math.ceil((result.retryAfterSeconds ?? 60) / 60));
    return json(
      { errors: [{ field: "reference", key: "case:signIn.errors.rateLimited", params: { count: minutes } }], values },
      { status: 429, headers: { "Retry-After": String(result.retryAfterSeconds ?? 60) } },
    );
  }
  // The same words whether the reference exists or not.
  return json({ errors: [{ field: "reference", key: "case:signIn.errors.invalid" }], values }, { status: 400 });
}

export default function CaseSignIn() {
  const { signedOut, erased } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { t } = useTranslation("case");
  const errors = actionData?.errors ?? [];
  return (
    <div className="prose">
      {signedOut && !actionData ? (
        <p className="notice" role="status">
          {t("signIn.signedOut")}
        </p>
      ) : null}
      {erased && !actionData ? (
        <p className="notice" role="status" data-testid="erased-notice">
          {erased === "held" ? t("signIn.erasedHeld") : t("signIn.erased")}
        </p>
      ) : null}
      <ErrorSummary errors={errors} />
      <h1>{t("signIn.title")}</h1>
      <p>{t("signIn.lead")}</p>
      {/* An explicit action, so "?signedOut=1" does not travel with the form. */}
      <Form method="post" action="/case" noValidate>
        <TextField name="reference" label={t("signIn.reference")} hint={t("signIn.referenceHint")} value={actionData?.values.reference} errors={errors} dir="ltr" />
        <TextField name="secret" type="password" label={t("signIn.secret")} hint={t("signIn.secretHint")} errors={errors} dir="ltr" />
        <div className="actions">
          <SubmitButton>{t("signIn.submit")}</SubmitButton>
        </div>
      </Form>
      <h2>{t("signIn.lostTitle")}</h2>
      <p>{t("signIn.lost")}</p>
    </div>
  );
}
