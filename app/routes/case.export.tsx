import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { CLOSED_STATUSES } from "~/cases/cases.server";
import { requireRequester } from "~/cases/requester.server";
import { CaseExportSections } from "~/components/case-export";
import { CaseNav } from "~/components/case-nav";
import { i18nServer } from "~/i18n/i18next.server";
import { buildCaseExport } from "~/privacy/export.server";

export const handle = { i18n: ["common", "case", "privacy"] };

/** Everything held about the case and the person (GDPR Art. 15), readable here and as a file. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { caseId, headers } = await requireRequester(context, request);
  const language = await i18nServer.getLocale(request);
  const t = await i18nServer.getFixedT(request, ["privacy", "case", "request", "common"]);
  const document = await buildCaseExport(context, caseId, t, language);
  const closed = CLOSED_STATUSES.includes(document.data.case.status as (typeof CLOSED_STATUSES)[number]);
  return json({ title: `${t("privacy:export.title")} – ${t("common:site.name")}`, document, closed, language }, { headers });
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export default function CaseExportPage() {
  const { document, closed, language } = useLoaderData<typeof loader>();
  const { t } = useTranslation("privacy");
  return (
    <>
      <CaseNav closed={closed} />
      <div className="prose">
        <h1>{document.title}</h1>
        <p>{t("export.lead")}</p>
        <p className="note">{document.lead}</p>
        <div className="export-download">
          {/* A plain link: the file downloads without JavaScript, in the language of this page. */}
          <a className="button button--secondary" href={`/case/export.json?lng=${language}`} download data-testid="export-download">
            {t("export.download")}
          </a>
          <p className="field__hint">{t("export.downloadHint")}</p>
        </div>
      </div>
      <CaseExportSections sections={document.sections} />
    </>
  );
}
