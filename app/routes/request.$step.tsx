import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { addMonths, ANSWER_WITHIN_MONTHS, createCase, decideRoute, receiptForResubmission, submissionExists } from "~/cases/cases.server";
import { countriesByName } from "~/cases/countries";
import { clearDraftCookie, deleteDraft, loadDraft, readDraftToken, saveDraft } from "~/cases/drafts.server";
import {
  completeRequest,
  firstIncompleteStep,
  isRequestStep,
  parseStep,
  REQUEST_STEPS,
  type FieldError,
  type RequestStep,
} from "~/cases/request";
import { Receipt } from "~/components/request/receipt";
import { StepForm } from "~/components/request/steps";
import { i18nServer } from "~/i18n/i18next.server";
import { createCaseSession } from "~/sessions/session.server";
import { readForm } from "~/http/form.server";

export const handle = { i18n: ["common", "request"] };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const step = params.step;
  if (!isRequestStep(step)) throw new Response(null, { status: 404 });
  const locale = await i18nServer.getLocale(request);
  const t = await i18nServer.getFixedT(locale, ["request", "common"]);
  const stored = await loadDraft(context, await readDraftToken(context, request));
  const draft = stored ?? {};

  // Steps are answered in order: a later step opens only once the earlier ones are done.
  // The review page without any draft is where a sent request's receipt is shown
  // (the draft is gone by then), so it must not redirect away.
  const reachable = firstIncompleteStep(draft);
  const missing = step === "review" && !stored;
  if (!missing && REQUEST_STEPS.indexOf(step) > REQUEST_STEPS.indexOf(reachable)) throw redirect(`/request/${reachable}`);

  const review =
    step === "review" && draft.where
      ? {
          ...(await decideRoute(context.db, draft.where.country)),
          dueAt: addMonths(context.now(), ANSWER_WITHIN_MONTHS).toISOString(),
        }
      : null;
  return json({
    step,
    heading: t(`steps.${step}.title`),
    title: `${t(`steps.${step}.title`)} – ${t("common:site.name")}`,
    draft,
    countries: step === "where" ? countriesByName(locale) : [],
    review,
    missing,
  });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const step = params.step;
  if (!isRequestStep(step)) throw new Response(null, { status: 404 });
  const form = await readForm(request);
  const token = await readDraftToken(context, request);
  const draft = await loadDraft(context, token);

  if (step === "review") {
    // A second click that arrives after the first one created the case sees the same receipt.
    const resent = token ? await receiptForResubmission(context, token) : null;
    if (resent) {
      return json({ outcome: "created", reference: resent.reference, secret: resent.secret } as const, {
        headers: [["Set-Cookie", await clearDraftCookie(context)], ["Set-Cookie", await createCaseSession(context, resent.caseId)]],
      });
    }
    if (!token || !draft) {
      // The form was sent before, or the draft expired: say so plainly, show nothing of any case.
      const alreadySent = token ? await submissionExists(context, token) : false;
      return json({ outcome: alreadySent ? "alreadySent" : "expired" } as const, { status: 409 });
    }
    const complete = completeRequest(draft);
    if (!complete.ok) throw redirect(`/request/${complete.step}`);
    const language = await i18nServer.getLocale(request);
    const { receipt } = await createCase(context, complete.request, { submissionToken: token, language });
    await deleteDraft(context.db, token);
    const headers = new Headers();
    headers.append("Set-Cookie", await clearDraftCookie(context));
    headers.append("Set-Cookie", await createCaseSession(context, receipt.caseId));
    return json({ outcome: "created", reference: receipt.reference, secret: receipt.secret } as const, { headers });
  }

  const result = parseStep(step, form);
  if (!result.ok) {
    return json({ outcome: "invalid", errors: result.errors, values: result.values } as const, { status: 400 });
  }
  const updated = { ...(draft ?? {}), [step]: result.values };
  const { setCookie } = await saveDraft(context, token, updated);
  // After a change made from the review page, back to it; otherwise on to the next question.
  const target = form.returnTo === "review" ? firstIncompleteStep(updated) : REQUEST_STEPS[REQUEST_STEPS.indexOf(step) + 1];
  return redirect(`/request/${target}`, { headers: setCookie ? { "Set-Cookie": setCookie } : undefined });
}

export default function RequestStepPage() {
  const { step, heading, draft, countries, review, missing } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { t } = useTranslation("request");

  if (actionData?.outcome === "created") return <Receipt reference={actionData.reference} secret={actionData.secret} />;
  const notice = actionData?.outcome === "alreadySent" || actionData?.outcome === "expired" ? actionData.outcome : missing ? "expired" : null;
  if (notice) {
    return (
      <article className="prose">
        <h1>{t(`resubmit.${notice}.title`)}</h1>
        <p>{t(`resubmit.${notice}.body`)}</p>
        <p>
          <a className="button button--primary" href={notice === "alreadySent" ? "/case" : "/request"}>
            {t(`resubmit.${notice}.action`)}
          </a>
        </p>
      </article>
    );
  }

  const errors: FieldError[] = actionData?.outcome === "invalid" ? actionData.errors : [];
  const values: Record<string, string> =
    actionData?.outcome === "invalid" ? actionData.values : ((draft as Record<string, Record<string, string>>)[step] ?? {});
  const index = REQUEST_STEPS.indexOf(step as RequestStep);

  return (
    <div className="request-step">
      <p className="progress" aria-label={t("progress.label")}>
        {t("progress.text", { current: index + 1, total: REQUEST_STEPS.length })}
      </p>
      <progress className="progress__bar" max={REQUEST_STEPS.length} value={index + 1} aria-hidden="true" />
      {index > 0 ? (
        <p>
          <a className="back-link" href={`/request/${REQUEST_STEPS[index - 1]}`}>
            {t("back")}
          </a>
        </p>
      ) : null}
      <Form method="post" noValidate className="request-form">
        <StepForm step={step as RequestStep} title={heading} values={values} errors={errors} draft={draft} countries={countries} review={review} />
      </Form>
    </div>
  );
}
