import { randomBytes } from "node:crypto";
import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { StaffShell } from "~/components/staff-shell";
import { createCase } from "~/cases/cases.server";
import { countriesByName } from "~/cases/countries";
import { groupDigits } from "~/cases/format";
import { ItemsFields } from "~/components/request/items-fields";
import { ErrorSummary, RadioGroup, SelectField, SubmitButton, TextField } from "~/components/ui/form";
import { MANDATE_RELATIONS } from "~/db/schema";
import { readForm } from "~/http/form.server";
import { i18nServer } from "~/i18n/i18next.server";
import { requireStaff } from "~/staff/auth.server";
import { recordAudit } from "~/audit/audit.server";
import { parseFiling } from "~/staff/filing";

export const handle = { i18n: ["common", "staff", "casework", "request"] };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user, headers } = await requireStaff(context, request, { permission: "create:case" });
  const locale = await i18nServer.getLocale(request);
  const t = await i18nServer.getFixedT(locale, ["casework", "common"]);
  return json(
    {
      title: `${t("filing.title")} – ${t("common:site.name")}`,
      user,
      countries: countriesByName(locale),
      // One token per form: a double submit files one case.
      submissionToken: randomBytes(24).toString("base64url"),
    },
    { headers }
  );
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function action({ request, context }: ActionFunctionArgs) {
  const { user, headers } = await requireStaff(context, request, { permission: "create:case" });
  const form = await readForm(request);
  const result = parseFiling(form, context.now().toISOString().slice(0, 10));
  if (!result.ok) return json({ outcome: "invalid", errors: result.errors, values: result.values } as const, { status: 400, headers });
  const f = result.filing;
  const { receipt } = await createCase(
    context,
    {
      where: { country: f.country },
      what: { wants: f.wants },
      items: { urls: f.urls, pdq: f.pdq, sha256: f.sha256, md5: f.md5, references: f.references },
      detail: { disclosure: f.disclosure },
      contact: { contactMethod: f.contactMethod, email: f.email, organisation: "" },
      parsedItems: f.parsedItems,
    },
    {
      submissionToken: f.submissionToken,
      language: await i18nServer.getLocale(request),
      onBehalf: {
        organisationId: user.organisationId,
        userId: user.id,
        mandate: {
          relation: f.mandateRelation,
          basis: f.basis,
          evidenceReference: f.evidenceReference,
          date: f.mandateDate,
          scope: f.wants,
          receiptHolder: f.receiptHolder,
        },
      },
    }
  );
  await recordAudit(context, {
    actorKind: "staff",
    actorId: user.id,
    organisationId: user.organisationId,
    action: "case.file",
    caseId: receipt.caseId,
  });
  return json({ outcome: "created", caseId: receipt.caseId, reference: receipt.reference, secret: receipt.secret } as const, { headers });
}

export default function FileOnBehalf() {
  const { user, countries, submissionToken } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { t } = useTranslation("casework");
  const { t: tr } = useTranslation("request");

  if (actionData?.outcome === "created") {
    return (
      <StaffShell user={user}>
        <div className="staff-page prose receipt">
          <h1>{t("filing.done")}</h1>
          <p>{t("filing.doneLead")}</p>
          <dl className="receipt__codes">
            <div>
              <dt>{tr("receipt.reference")}</dt>
              <dd data-testid="case-reference" dir="ltr" translate="no">
                {groupDigits(actionData.reference)}
              </dd>
            </div>
            <div>
              <dt>{tr("receipt.secret")}</dt>
              <dd data-testid="case-secret" dir="ltr" translate="no">
                {groupDigits(actionData.secret)}
              </dd>
            </div>
          </dl>
          <p className="warning">{tr("receipt.cannotRecover")}</p>
          <p>
            <Link className="button button--primary" to={`/staff/filed/${actionData.caseId}`}>
              {t("filing.toCase")}
            </Link>
          </p>
        </div>
      </StaffShell>
    );
  }

  const errors = actionData?.outcome === "invalid" ? actionData.errors : [];
  const v: Record<string, string> = actionData?.outcome === "invalid" ? actionData.values : {};
  return (
    <StaffShell user={user}>
      <div className="staff-page prose">
        <ErrorSummary errors={errors} />
        <h1>{t("filing.title")}</h1>
        <p>{t("filing.lead")}</p>
        <Form method="post" noValidate>
          <input type="hidden" name="submissionToken" value={v.submissionToken || submissionToken} />
          <h2>{t("filing.mandateTitle")}</h2>
          <RadioGroup
            name="mandateRelation"
            legend={t("filing.relation")}
            value={v.mandateRelation}
            errors={errors}
            options={MANDATE_RELATIONS.map((r) => ({ value: r, label: t(`mandate.relations.${r}`) }))}
          />
          <TextField name="basis" label={t("filing.basis")} hint={t("filing.basisHint")} value={v.basis} errors={errors} />
          <TextField
            name="evidenceReference"
            label={t("filing.evidence")}
            hint={t("filing.evidenceHint")}
            value={v.evidenceReference}
            errors={errors}
          />
          <TextField
            name="mandateDate"
            label={t("filing.date")}
            hint={t("filing.dateHint")}
            value={v.mandateDate}
            errors={errors}
            dir="ltr"
          />
          <h2>{t("filing.requestTitle")}</h2>
          <RadioGroup
            name="wants"
            legend={tr("steps.what.title")}
            value={v.wants}
            errors={errors}
            options={(["information", "removal", "both"] as const).map((w) => ({ value: w, label: tr(`what.options.${w}`) }))}
          />
          <SelectField
            name="country"
            label={tr("steps.where.title")}
            hint={tr("where.hint")}
            prompt={tr("where.prompt")}
            value={v.country}
            errors={errors}
            options={countries.map((c) => ({ value: c.code, label: c.name }))}
          />
          <h3>{tr("steps.items.title")}</h3>
          <p className="safety-note">{tr("items.neverImages")}</p>
          <ItemsFields values={v} errors={errors} />
          <RadioGroup
            name="disclosure"
            legend={tr("steps.detail.title")}
            hint={t("filing.disclosureHint")}
            value={v.disclosure}
            errors={errors}
            options={(["outcome", "summary", "full"] as const).map((d) => ({ value: d, label: tr(`detail.options.${d}`) }))}
          />
          <RadioGroup
            name="contactMethod"
            legend={t("filing.contact")}
            value={v.contactMethod || "organisation"}
            errors={errors}
            options={(["organisation", "email", "none"] as const).map((c) => ({ value: c, label: t(`filing.contactOptions.${c}`) }))}
          />
          <TextField
            name="email"
            type="email"
            label={tr("contact.email")}
            hint={tr("contact.emailHint")}
            value={v.email}
            errors={errors}
            dir="ltr"
          />
          <RadioGroup
            name="receiptHolder"
            legend={t("filing.receiptHolder")}
            hint={t("filing.receiptHolderHint")}
            value={v.receiptHolder}
            errors={errors}
            options={(["victim", "organisation"] as const).map((h) => ({ value: h, label: t(`mandate.holders.${h}`) }))}
          />
          <div className="actions">
            <SubmitButton>{t("filing.submit")}</SubmitButton>
          </div>
        </Form>
      </div>
    </StaffShell>
  );
}
