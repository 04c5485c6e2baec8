import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { requireRequester } from "~/cases/requester.server";
import { getCaseStatus } from "~/cases/status.server";
import { CaseNav } from "~/components/case-nav";
import { CaseStatusDetails } from "~/components/case-status";
import { i18nServer } from "~/i18n/i18next.server";

export const handle = { i18n: ["common", "case"] };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { caseId, headers } = await requireRequester(context, request);
  const t = await i18nServer.getFixedT(request, ["case", "common"]);
  const status = await getCaseStatus(context, caseId);
  return json({ title: `${t("status.title")} – ${t("common:site.name")}`, status }, { headers });
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export default function CaseStatusPage() {
  const { status } = useLoaderData<typeof loader>();
  const { t } = useTranslation("case");
  return (
    <>
      <CaseNav closed={status.closed} unread={status.unreadMessages} />
      <h1>{t("status.title")}</h1>
      <CaseStatusDetails status={status} />
    </>
  );
}
