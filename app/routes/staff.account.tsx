import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { StaffShell } from "~/components/staff-shell";
import { i18nServer } from "~/i18n/i18next.server";
import { accountView } from "~/staff/accounts.server";
import { requireStaff } from "~/staff/auth.server";

export const handle = { i18n: ["common", "staff"] };

/** Fewer recovery codes than this, and the page suggests making new ones. */
const FEW_RECOVERY_CODES = 3;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user, headers } = await requireStaff(context, request);
  const t = await i18nServer.getFixedT(request, ["staff", "common"]);
  const account = await accountView(context, user.id);
  const recoveryUsed = new URL(request.url).searchParams.get("recovery") === "used";
  return json(
    { title: `${t("account.title")} – ${t("common:site.name")}`, user, account, recoveryUsed, fewCodes: account.twoFactorEnrolled && account.recoveryCodesLeft < FEW_RECOVERY_CODES },
    { headers },
  );
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export default function Account() {
  const { user, account, recoveryUsed, fewCodes } = useLoaderData<typeof loader>();
  const { t } = useTranslation("staff");
  return (
    <StaffShell user={user}>
      <div className="prose">
        {recoveryUsed ? (
          <p className="notice" role="status">
            {t("account.recoveryUsed")}
          </p>
        ) : null}
        <h1>{t("account.title")}</h1>
        <dl className="facts">
          <dt>{t("account.name")}</dt>
          <dd>{account.displayName}</dd>
          <dt>{t("account.email")}</dt>
          <dd dir="ltr">{account.email}</dd>
          <dt>{t("account.role")}</dt>
          <dd>{t(`roles.${account.role}`)}</dd>
          <dt>{t("account.organisation")}</dt>
          <dd>{account.organisationName}</dd>
          <dt>{t("account.twoFactor")}</dt>
          <dd>
            {account.twoFactorEnrolled ? t("account.twoFactorOn") : t("account.twoFactorOff")}
            {account.twoFactorEnrolled ? (
              <>
                <br />
                {t("account.recoveryCodesLeft", { count: account.recoveryCodesLeft })}
              </>
            ) : null}
          </dd>
        </dl>
        {fewCodes ? <p className="warning">{t("account.recoveryLow")}</p> : null}
        {account.twoFactorEnrolled ? null : (
          <p>
            <Link to="/staff/two-factor/setup">{t("account.setUpTwoFactor")}</Link>
          </p>
        )}
        <h2>{t("account.signOutEverywhereTitle")}</h2>
        <p>{t("account.signOutEverywhereLead")}</p>
        <Form method="post" action="/staff/sign-out-everywhere" reloadDocument>
          <button type="submit" className="button button--warning">
            {t("account.signOutEverywhere")}
          </button>
        </Form>
      </div>
    </StaffShell>
  );
}
