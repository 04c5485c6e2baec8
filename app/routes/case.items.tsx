import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { addItemsToCase, countItems } from "~/cases/cases.server";
import { parseItems, parseStep } from "~/cases/request";
import { requireOpenCase } from "~/cases/requester.server";
import { CaseNav } from "~/components/case-nav";
import { ItemsFields } from "~/components/request/items-fields";
import { ErrorSummary, SubmitButton } from "~/components/ui/form";
import { i18nServer } from "~/i18n/i18next.server";
import { readForm } from "~/http/form.server";

export const handle = { i18n: ["common", "case", "request"] };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { headers } = await requireOpenCase(context, request);
  const t = await i18nServer.getFixedT(request, ["case", "common"]);
  return json({ title: `${t("addItems.title")} – ${t("common:site.name")}` }, { headers });
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function action({ request, context }: ActionFunctionArgs) {
  const { caseId, headers } = await requireOpenCase(context, request);
  const step = parseStep("items", await readForm(request));
  if (!step.ok) return json({ errors: step.errors, values: step.values }, { status: 400, headers });
  const parsed = parseItems(step.values, { existing: await countItems(context.db, caseId) });
  if (!parsed.ok) return json({ errors: parsed.errors, values: step.values as Record<string, string> }, { status: 400, headers });
  await addItemsToCase(context, caseId, parsed.items);
  return redirect("/case/status", { headers });
}

export default function AddItems() {
  const actionData = useActionData<typeof action>();
  const { t } = useTranslation("case");
  const { t: tr } = useTranslation("request");
  const errors = actionData?.errors ?? [];
  return (
    <>
      <CaseNav closed={false} />
      <div className="prose">
        <ErrorSummary errors={errors} />
        <h1>{t("addItems.title")}</h1>
        <p>{t("addItems.lead")}</p>
        <p className="safety-note">{tr("items.neverImages")}</p>
        <Form method="post" noValidate>
          <ItemsFields values={actionData?.values ?? {}} errors={errors} />
          <div className="actions">
            <SubmitButton>{t("addItems.submit")}</SubmitButton>
          </div>
        </Form>
      </div>
    </>
  );
}
