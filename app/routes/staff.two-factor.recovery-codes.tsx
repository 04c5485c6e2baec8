import { json, redirect, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { i18nServer } from "~/i18n/i18next.server";
import { requireStaff, startPage } from "~/staff/auth.server";
import { openRecoveryCodes } from "~/staff/two-factor.server";

export const handle = { i18n: ["common", "staff"] };

/** The recovery codes, once, right after enrolment: the cookie that brought them is cleared. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user, headers } = await requireStaff(context, request);
  const { codes, clear } = openRecoveryCodes(context, user.id, request);
  headers.append("Set-Cookie", clear);
  if (!codes) throw redirect("/staff/account", { headers });
  const t = await i18nServer.getFixedT(request, ["staff", "common"]);
  return json({ title: `${t("recoveryCodes.title")} – ${t("common:site.name")}`, codes, next: startPage(user) }, { headers });
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export default function RecoveryCodes() {
  const { codes, next } = useLoaderData<typeof loader>();
  const { t } = useTranslation("staff");
  return (
    <div className="prose">
      <p className="notice" role="status">
        {t("recoveryCodes.done")}
      </p>
      <h1>{t("recoveryCodes.title")}</h1>
      <p>{t("recoveryCodes.lead")}</p>
      <ul className="recovery-codes" aria-label={t("recoveryCodes.label")} data-testid="recovery-codes">
        {codes.map((code) => (
          <li key={code} dir="ltr">
            <code>{code}</code>
          </li>
        ))}
      </ul>
      <div className="actions">
        <Link className="button button--primary" to={next}>
          {t("recoveryCodes.continue")}
        </Link>
      </div>
    </div>
  );
}
