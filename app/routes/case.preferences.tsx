import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { CLOSED_STATUSES, readContact, setContact, setDisclosure } from "~/cases/cases.server";
import { parseStep } from "~/cases/request";
import { requireRequester } from "~/cases/requester.server";
import { CaseNav } from "~/components/case-nav";
import { ErrorSummary, RadioGroup, SubmitButton, TextField } from "~/components/ui/form";
import { i18nServer } from "~/i18n/i18next.server";
import { readForm } from "~/http/form.server";

export const handle = { i18n: ["common", "case", "request"] };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { caseId, headers } = await requireRequester(context, request);
  const t = await i18nServer.getFixedT(request, ["case", "common"]);
  const row = await context.db.selectFrom("case").select(["disclosure", "status"]).where("id", "=", caseId).executeTakeFirstOrThrow();
  const contact = await readContact(context, caseId);
  const saved = new URL(request.url).searchParams.get("saved") === "1";
  return json(
    { title: `${t("preferences.title")} – ${t("common:site.name")}`, disclosure: row.disclosure, contact, saved, closed: CLOSED_STATUSES.includes(row.status) },
    { headers },
  );
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function action({ request, context }: ActionFunctionArgs) {
  const { caseId, headers } = await requireRequester(context, request);
  const form = await readForm(request);
  if (form.intent === "detail") {
    const result = parseStep("detail", form);
    if (!result.ok) return json({ form: "detail", errors: result.errors, values: result.values }, { status: 400, headers });
    await setDisclosure(context, caseId, result.values.disclosure);
  } else if (form.intent === "contact") {
    const result = parseStep("contact", form);
    if (!result.ok) return json({ form: "contact", errors: result.errors, values: result.values }, { status: 400, headers });
    await setContact(context, caseId, result.values);
  } else {
    return json({ form: "none", errors: [{ field: "disclosure", key: "errors.choose" }], values: {} as Record<string, string> }, { status: 400, headers });
  }
  return redirect("/case/preferences?saved=1", { headers });
}

export default function Preferences() {
  const { disclosure, contact, saved, closed } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { t } = useTranslation("case");
  const { t: tr } = useTranslation("request");
  const errors = actionData?.errors ?? [];
  const contactValues = actionData?.form === "contact" ? actionData.values : contact;
  return (
    <>
      <CaseNav closed={closed} />
      <div className="prose">
        {saved && !actionData ? (
          <p className="notice" role="status">
            {t("preferences.saved")}
          </p>
        ) : null}
        <ErrorSummary errors={errors} />
        <h1>{t("preferences.title")}</h1>
        <Form method="post" noValidate>
          <input type="hidden" name="intent" value="detail" />
          <RadioGroup
            name="disclosure"
            legend={tr("steps.detail.title")}
            hint={tr("detail.hint")}
            value={actionData?.form === "detail" ? actionData.values.disclosure : disclosure}
            errors={actionData?.form === "detail" ? errors : []}
            options={(["outcome", "summary", "full"] as const).map((d) => ({ value: d, label: tr(`detail.options.${d}`), hint: tr(`detail.hints.${d}`) }))}
          />
          <div className="actions">
            <SubmitButton>{t("preferences.saveDetail")}</SubmitButton>
          </div>
        </Form>
        <Form method="post" noValidate>
          <input type="hidden" name="intent" value="contact" />
          <RadioGroup
            name="contactMethod"
            legend={tr("steps.contact.title")}
            hint={tr("contact.hint")}
            value={contactValues.contactMethod}
            errors={actionData?.form === "contact" ? errors : []}
            options={(["none", "email", "organisation"] as const).map((c) => ({ value: c, label: tr(`contact.options.${c}`), hint: tr(`contact.hints.${c}`) }))}
          />
          <TextField name="email" type="email" label={tr("contact.email")} hint={tr("contact.emailHint")} value={contactValues.email} errors={actionData?.form === "contact" ? errors : []} dir="ltr" />
          <TextField name="organisation" label={tr("contact.organisation")} hint={tr("contact.organisationHint")} value={contactValues.organisation} errors={actionData?.form === "contact" ? errors : []} />
          <div className="actions">
            <SubmitButton>{t("preferences.saveContact")}</SubmitButton>
          </div>
        </Form>
      </div>
    </>
  );
}
