import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { CLOSED_STATUSES } from "~/cases/cases.server";
import { requireRequester } from "~/cases/requester.server";
import { CaseNav } from "~/components/case-nav";
import { formatDate } from "~/components/ui/dates";
import { ErrorSummary, fieldId, SubmitButton } from "~/components/ui/form";
import { readForm } from "~/http/form.server";
import { i18nServer } from "~/i18n/i18next.server";
import { eraseCase, erasurePlan } from "~/privacy/erasure.server";
import { retentionPolicy } from "~/privacy/retention.server";
import { destroyCaseSession } from "~/sessions/session.server";

export const handle = { i18n: ["common", "case", "privacy"] };

/** Erasure (GDPR Art. 17): what goes now, what must stay and why, then a confirmation. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { caseId, headers } = await requireRequester(context, request);
  const t = await i18nServer.getFixedT(request, ["privacy", "common"]);
  const plan = await erasurePlan(context, caseId);
  const row = await context.db.selectFrom("case").select("status").where("id", "=", caseId).executeTakeFirstOrThrow();
  return json(
    {
      title: `${t("privacy:erase.title")} – ${t("common:site.name")}`,
      plan,
      auditPeriod: t("privacy:days", { count: retentionPolicy(context.env).auditDays }),
      closed: CLOSED_STATUSES.includes(row.status),
    },
    { headers },
  );
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function action({ request, context }: ActionFunctionArgs) {
  const { caseId, headers } = await requireRequester(context, request);
  const form = await readForm(request);
  if (form.confirm !== "yes") {
    return json({ errors: [{ field: "confirm", key: "privacy:erase.errors.confirm" }] }, { status: 400, headers });
  }
  const result = await eraseCase(context, caseId);
  // Whatever happened, this browser's session ends with it.
  const signOut = await destroyCaseSession(context, request);
  return redirect(result.outcome === "held" ? "/case?erased=held" : "/case?erased=1", { headers: { "Set-Cookie": signOut } });
}

export default function Erase() {
  const { plan, auditPeriod, closed } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { t, i18n } = useTranslation("privacy");
  const errors = actionData?.errors ?? [];
  const invalid = errors.length > 0;
  return (
    <>
      <CaseNav closed={closed} />
      <div className="prose">
        <ErrorSummary errors={errors} />
        <h1>{t("erase.title")}</h1>
        <p>{t("erase.lead")}</p>
        <p>
          {t("erase.copyFirst")} <Link to="/case/export">{t("erase.copyLink")}</Link>
        </p>

        {plan.held ? (
          <section aria-labelledby="erase-held" className="warning">
            <h2 id="erase-held">{t("erase.held.title")}</h2>
            <p>{plan.heldSince ? t("erase.held.since", { date: formatDate(plan.heldSince, i18n.language) }) : t("erase.held.explain")}</p>
            <p>{t("erase.held.why")}</p>
          </section>
        ) : null}

        <section aria-labelledby="erase-now">
          <h2 id="erase-now">{t("erase.now.title")}</h2>
          {plan.held ? (
            <ul>
              <li>{t("erase.now.contact")}</li>
              {plan.openNotices ? <li>{t("erase.now.notices")}</li> : null}
              <li>{t("erase.now.signOut")}</li>
            </ul>
          ) : (
            <ul>
              <li>{t("erase.now.contact")}</li>
              <li>{t("erase.now.messages", { count: plan.messages })}</li>
              <li>{t("erase.now.items", { count: plan.items })}</li>
              <li>{t("erase.now.timeline")}</li>
              {plan.openNotices ? <li>{t("erase.now.notices")}</li> : null}
              <li>{t("erase.now.reference")}</li>
            </ul>
          )}
        </section>

        <section aria-labelledby="erase-kept">
          <h2 id="erase-kept">{t("erase.kept.title")}</h2>
          <ul>
            {plan.held ? <li>{t("erase.kept.held")}</li> : null}
            <li>{t("erase.kept.statistics")}</li>
            <li>{t("erase.kept.audit", { period: auditPeriod })}</li>
            <li>{t("erase.kept.sightings")}</li>
          </ul>
          {plan.held ? <p>{t("erase.held.later")}</p> : null}
        </section>

        <Form method="post" noValidate>
          <div className={`field${invalid ? " field--invalid" : ""}`}>
            {invalid ? (
              <p className="field-error" id={`${fieldId("confirm")}-error`}>
                {t("erase.errors.confirm")}
              </p>
            ) : null}
            <div className="radio">
              <input type="checkbox" id={fieldId("confirm")} name="confirm" value="yes" aria-describedby={invalid ? `${fieldId("confirm")}-error` : undefined} />
              <label htmlFor={fieldId("confirm")}>{t("erase.confirmLabel")}</label>
            </div>
          </div>
          <div className="actions">
            <SubmitButton variant="warning">{plan.held ? t("erase.submitHeld") : t("erase.submit")}</SubmitButton>
            <Link to="/case/status" className="button button--secondary">
              {t("erase.cancel")}
            </Link>
          </div>
        </Form>
      </div>
    </>
  );
}
