import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { StaffShell } from "~/components/staff-shell";
import { addItemsToCase, countItems, readMessages, sendMessageFromRequester, withdrawCase } from "~/cases/cases.server";
import { MAX_MESSAGE_LENGTH, parseItems, parseStep } from "~/cases/request";
import { getCaseStatus } from "~/cases/status.server";
import { CaseStatusDetails } from "~/components/case-status";
import { ItemsFields } from "~/components/request/items-fields";
import { formatDate } from "~/components/ui/dates";
import { ErrorSummary, SubmitButton, TextField } from "~/components/ui/form";
import { readForm } from "~/http/form.server";
import { i18nServer } from "~/i18n/i18next.server";
import { requireStaff } from "~/staff/auth.server";
import { Forbidden } from "~/staff/cases.server";
import { authorizeFiledCase } from "~/staff/filed.server";
import { eraseCase } from "~/privacy/erasure.server";

export const handle = { i18n: ["common", "staff", "casework", "case", "request"] };

async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof Forbidden) throw new Response(null, { status: 403 });
    throw error;
  }
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { user, headers } = await requireStaff(context, request, { permission: "read:filed-case" });
  const caseId = params.caseId ?? "";
  await guard(() => authorizeFiledCase(context, user, caseId, "read:filed-case"));
  const t = await i18nServer.getFixedT(request, ["casework", "common"]);
  const status = await getCaseStatus(context, caseId);
  const messages = await readMessages(context, caseId);
  return json(
    { title: `${t("case.title", { reference: status.reference })} – ${t("common:site.name")}`, user, caseId, status, messages },
    { headers }
  );
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { user, headers } = await requireStaff(context, request, { permission: "update:filed-case" });
  const caseId = params.caseId ?? "";
  await guard(() => authorizeFiledCase(context, user, caseId, "update:filed-case"));
  const form = await readForm(request);
  const back = () => redirect(`/staff/filed/${caseId}`, { headers });
  const { status } = await context.db.selectFrom("case").select("status").where("id", "=", caseId).executeTakeFirstOrThrow();
  const closed = ["completed", "rejected", "withdrawn"].includes(status);
  if (closed && form.intent !== "erase") return back();

  if (form.intent === "message") {
    const body = (form.body ?? "").trim();
    if (!body) return json({ errors: [{ field: "body", key: "case:messages.errors.empty" }], values: form }, { status: 400, headers });
    if (body.length > MAX_MESSAGE_LENGTH)
      return json(
        { errors: [{ field: "body", key: "case:messages.errors.tooLong", params: { max: MAX_MESSAGE_LENGTH } }], values: form },
        { status: 400, headers }
      );
    await sendMessageFromRequester(context, caseId, body, await i18nServer.getLocale(request));
    return back();
  }
  if (form.intent === "items") {
    const step = parseStep("items", form);
    if (!step.ok) return json({ errors: step.errors, values: form }, { status: 400, headers });
    const parsed = parseItems(step.values, { existing: await countItems(context.db, caseId) });
    if (!parsed.ok) return json({ errors: parsed.errors, values: form }, { status: 400, headers });
    await addItemsToCase(context, caseId, parsed.items);
    return back();
  }
  if (form.intent === "erase") {
    if (form.confirm !== "yes")
      return json({ errors: [{ field: "eraseConfirm", key: "casework:errors.confirmErase" }], values: form }, { status: 400, headers });
    const result = await eraseCase(context, caseId, { actorKind: "staff", actorId: user.id, organisationId: user.organisationId });
    return redirect(result.outcome === "held" ? `/staff/filed/${caseId}` : "/staff/filed", { headers });
  }
  if (form.intent === "withdraw" && form.confirm === "yes") {
    await withdrawCase(context, caseId);
    return back();
  }
  return json({ errors: [{ field: "confirm", key: "casework:errors.confirmWithdraw" }], values: form }, { status: 400, headers });
}

export default function FiledCase() {
  const { user, caseId, status, messages } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { t, i18n } = useTranslation("casework");
  const { t: tc } = useTranslation("case");
  const errors = actionData?.errors ?? [];
  const values = (actionData?.values ?? {}) as Record<string, string>;
  return (
    <StaffShell user={user}>
      <div className="staff-page">
        <ErrorSummary errors={errors} />
        <h1>{t("case.title", { reference: status.reference })}</h1>
        <CaseStatusDetails status={status} />
        <section aria-labelledby="messages-title">
          <h2 id="messages-title">{tc("messages.title")}</h2>
          <ol className="messages">
            {messages.map((m) => (
              <li key={m.id} className={`message message--${m.direction}`}>
                <p className="message__meta">
                  {tc(m.direction === "from_requester" ? "messages.fromYou" : "messages.fromCaseworker")} ·{" "}
                  {formatDate(m.sentAt, i18n.language)}
                </p>
                <p lang={m.language} dir="auto" className="message__body">
                  {m.body}
                </p>
              </li>
            ))}
          </ol>
          {status.closed ? null : (
            <Form method="post">
              <input type="hidden" name="intent" value="message" />
              <TextField
                name="body"
                multiline
                label={tc("messages.write")}
                value={values.intent === "message" ? values.body : undefined}
                errors={errors}
              />
              <SubmitButton>{tc("messages.send")}</SubmitButton>
            </Form>
          )}
        </section>
        {status.closed ? null : (
          <>
            <section aria-labelledby="items-title">
              <h2 id="items-title">{tc("addItems.title")}</h2>
              <Form method="post">
                <input type="hidden" name="intent" value="items" />
                <ItemsFields values={values.intent === "items" ? values : {}} errors={errors} />
                <SubmitButton variant="secondary">{tc("addItems.submit")}</SubmitButton>
              </Form>
            </section>
            <section aria-labelledby="withdraw-title" className="panel">
              <h2 id="withdraw-title">{tc("withdraw.title")}</h2>
              <p>{t("filed.withdrawExplain")}</p>
              <Form method="post">
                <input type="hidden" name="intent" value="withdraw" />
                <div className="radio">
                  <input type="checkbox" id="field-confirm" name="confirm" value="yes" />
                  <label htmlFor="field-confirm">{t("filed.withdrawConfirm")}</label>
                </div>
                <SubmitButton variant="warning">{tc("withdraw.confirm")}</SubmitButton>
              </Form>
            </section>
          </>
        )}
        <section aria-labelledby="rights-title" className="panel">
          <h2 id="rights-title">{t("filed.rightsTitle")}</h2>
          <p>{t("filed.rightsExplain")}</p>
          <p>
            <a href={`/staff/filed/${caseId}/export.json`} download>
              {t("filed.export")}
            </a>
          </p>
          <Form method="post">
            <input type="hidden" name="intent" value="erase" />
            <div className="radio">
              <input type="checkbox" id="field-eraseConfirm" name="confirm" value="yes" />
              <label htmlFor="field-eraseConfirm">{t("filed.eraseConfirm")}</label>
            </div>
            <SubmitButton variant="warning">{t("filed.erase")}</SubmitButton>
          </Form>
        </section>
      </div>
    </StaffShell>
  );
}
