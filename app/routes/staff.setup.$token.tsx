import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import type { FieldError } from "~/cases/request";
import { ErrorSummary, SubmitButton, TextField } from "~/components/ui/form";
import { readForm } from "~/http/form.server";
import { i18nServer } from "~/i18n/i18next.server";
import { completeSetup, readSetupLink, SETUP_LINK_DAYS } from "~/staff/accounts.server";
import { PASSWORD_MIN_LENGTH } from "~/staff/passwords.server";

export const handle = { i18n: ["common", "staff"] };

/** An expired link is 410 Gone; an unknown or used one, 404. Either way the page says what to do. */
const statusOf = (state: "expired" | "invalid") => (state === "expired" ? 410 : 404);
/** Figures the page states; server constants, so they travel in the loader data. */
const rules = { minLength: PASSWORD_MIN_LENGTH, days: SETUP_LINK_DAYS };

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const link = await readSetupLink(context, params.token ?? "");
  const t = await i18nServer.getFixedT(request, ["staff", "common"]);
  if (link.state !== "valid") {
    const title = link.state === "expired" ? t("setup.expiredTitle") : t("setup.invalidTitle");
    return json({ title: `${title} – ${t("common:site.name")}`, link: link.state, name: "", email: "", ...rules }, { status: statusOf(link.state) });
  }
  return json({ title: `${t("setup.title")} – ${t("common:site.name")}`, link: link.state, name: link.displayName, email: link.email, ...rules });
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function action({ request, context, params }: ActionFunctionArgs) {
  const form = await readForm(request);
  const result = await completeSetup(context, { token: params.token ?? "", password: form.password ?? "", confirm: form.confirm ?? "", request });
  if (result.ok) return redirect("/staff", { headers: { "Set-Cookie": result.setCookie } });
  if ("link" in result) return json({ link: result.link, errors: [] as FieldError[] }, { status: statusOf(result.link) });
  return json({ link: null, errors: result.errors }, { status: 400 });
}

export default function StaffSetup() {
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { t } = useTranslation("staff");
  const link = actionData?.link ?? data.link;
  if (link !== "valid") {
    return (
      <div className="prose">
        <h1>{link === "expired" ? t("setup.expiredTitle") : t("setup.invalidTitle")}</h1>
        <p data-testid="setup-link-problem">{link === "expired" ? t("setup.expiredBody", { days: data.days }) : t("setup.invalidBody")}</p>
        <p>
          <Link to="/staff/sign-in">{t("setup.signIn")}</Link>
        </p>
      </div>
    );
  }
  const errors = actionData?.errors ?? [];
  return (
    <div className="prose">
      <ErrorSummary errors={errors} />
      <h1>{t("setup.title")}</h1>
      <p>{t("setup.lead", { name: data.name, email: data.email })}</p>
      <Form method="post" noValidate>
        {/* For password managers: the account the new password belongs to. */}
        <input type="hidden" name="username" value={data.email} autoComplete="username" />
        <TextField
          name="password"
          type="password"
          label={t("setup.password")}
          hint={t("setup.passwordHint", { min: data.minLength })}
          errors={errors}
          autoComplete="new-password"
          dir="ltr"
        />
        <TextField name="confirm" type="password" label={t("setup.confirm")} errors={errors} autoComplete="new-password" dir="ltr" />
        <div className="actions">
          <SubmitButton>{t("setup.submit")}</SubmitButton>
        </div>
      </Form>
    </div>
  );
}
