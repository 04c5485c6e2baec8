import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { CLOSED_STATUSES, readMessages, sendMessageFromRequester } from "~/cases/cases.server";
import { MAX_MESSAGE_LENGTH } from "~/cases/request";
import { requireOpenCase, requireRequester } from "~/cases/requester.server";
import { CaseNav } from "~/components/case-nav";
import { formatDate } from "~/components/ui/dates";
import { ErrorSummary, SubmitButton, TextField } from "~/components/ui/form";
import { i18nServer } from "~/i18n/i18next.server";
import { readForm } from "~/http/form.server";

export const handle = { i18n: ["common", "case"] };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { caseId, headers } = await requireRequester(context, request);
  const t = await i18nServer.getFixedT(request, ["case", "common"]);
  const { status } = await context.db.selectFrom("case").select("status").where("id", "=", caseId).executeTakeFirstOrThrow();
  const messages = await readMessages(context, caseId);
  return json({ title: `${t("messages.title")} – ${t("common:site.name")}`, messages, closed: CLOSED_STATUSES.includes(status) }, { headers });
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function action({ request, context }: ActionFunctionArgs) {
  const { caseId, headers } = await requireOpenCase(context, request);
  const body = String((await readForm(request)).body ?? "").trim();
  if (!body) return json({ errors: [{ field: "body", key: "case:messages.errors.empty" }], body }, { status: 400, headers });
  if (body.length > MAX_MESSAGE_LENGTH)
    return json({ errors: [{ field: "body", key: "case:messages.errors.tooLong", params: { max: MAX_MESSAGE_LENGTH } }], body }, { status: 400, headers });
  await sendMessageFromRequester(context, caseId, body, await i18nServer.getLocale(request));
  return redirect("/case/messages?sent=1", { headers });
}

export default function Messages() {
  const { messages, closed } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { t, i18n } = useTranslation("case");
  const errors = actionData?.errors ?? [];
  return (
    <>
      <CaseNav closed={closed} />
      <div className="prose">
        <ErrorSummary errors={errors} />
        <h1>{t("messages.title")}</h1>
        {messages.length === 0 ? <p>{t("messages.none")}</p> : null}
        <ol className="messages">
          {messages.map((m) => (
            <li key={m.id} className={`message message--${m.direction}`}>
              <p className="message__meta">
                {t(m.direction === "from_requester" ? "messages.fromYou" : "messages.fromCaseworker")} ·{" "}
                <time dateTime={m.sentAt}>{formatDate(m.sentAt, i18n.language)}</time>
              </p>
              <p lang={m.language} dir="auto" className="message__body">
                {m.body}
              </p>
            </li>
          ))}
        </ol>
        {closed ? (
          <p>{t("messages.closed")}</p>
        ) : (
          <Form method="post" noValidate>
            <TextField name="body" multiline rows={6} label={t("messages.write")} hint={t("messages.hint")} value={actionData?.body} errors={errors} dir="auto" />
            <div className="actions">
              <SubmitButton>{t("messages.send")}</SubmitButton>
            </div>
          </Form>
        )}
      </div>
    </>
  );
}
