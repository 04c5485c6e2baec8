import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { withdrawCase } from "~/cases/cases.server";
import { requireOpenCase } from "~/cases/requester.server";
import { CaseNav } from "~/components/case-nav";
import { SubmitButton } from "~/components/ui/form";
import { i18nServer } from "~/i18n/i18next.server";
import { recordAudit } from "~/audit/audit.server";
import { retentionPolicy } from "~/privacy/retention.server";

export const handle = { i18n: ["common", "case"] };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { headers } = await requireOpenCase(context, request);
  const t = await i18nServer.getFixedT(request, ["case", "common", "privacy"]);
  return json(
    { title: `${t("withdraw.title")} – ${t("common:site.name")}`, retentionPeriod: t("privacy:days", { count: retentionPolicy(context.env).withdrawnDays }) },
    { headers },
  );
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function action({ request, context }: ActionFunctionArgs) {
  const { caseId, headers } = await requireOpenCase(context, request);
  if (await withdrawCase(context, caseId)) {
    await recordAudit(context, { actorKind: "requester", actorId: null, action: "case.withdraw", caseId });
  }
  return redirect("/case/status", { headers });
}

export default function Withdraw() {
  const { retentionPeriod } = useLoaderData<typeof loader>();
  const { t } = useTranslation("case");
  return (
    <>
      <CaseNav closed={false} />
      <div className="prose">
        <h1>{t("withdraw.title")}</h1>
        <p>{t("withdraw.what")}</p>
        <ul>
          <li>{t("withdraw.stops")}</li>
          <li>{t("withdraw.noMore")}</li>
          <li>{t("withdraw.canRead")}</li>
          <li>{t("withdraw.newRequest")}</li>
        </ul>
        <p>{t("withdraw.kept", { period: retentionPeriod })}</p>
        <Form method="post">
          <div className="actions">
            <SubmitButton variant="warning">{t("withdraw.confirm")}</SubmitButton>
            <Link to="/case/status" className="button button--secondary">
              {t("withdraw.cancel")}
            </Link>
          </div>
        </Form>
        <h2>{t("withdraw.eraseTitle")}</h2>
        <p>
          {t("withdraw.eraseInstead")} <Link to="/case/erase">{t("withdraw.eraseLink")}</Link>
        </p>
      </div>
    </>
  );
}
