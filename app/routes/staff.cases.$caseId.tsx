import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { StaffShell } from "~/components/staff-shell";
import { countryName } from "~/cases/countries";
import { formatDate } from "~/components/ui/dates";
import { ErrorSummary, SelectField, SubmitButton, TextField } from "~/components/ui/form";
import { CASE_STATUSES, IDENTITY_VERIFICATION_METHODS, type CaseStatus, type IdentityVerificationMethod } from "~/db/schema";
import { readForm } from "~/http/form.server";
import { i18nServer } from "~/i18n/i18next.server";
import { nativeLanguageName } from "~/i18n/config";
import { requireStaff } from "~/staff/auth.server";
import { TRANSITIONS, UPDATE_TEMPLATES, type UpdateTemplate } from "~/staff/case-state";
import {
  addNote,
  assignCase,
  caseAuditTrail,
  extendDueDate,
  Forbidden,
  postUpdate,
  replyToRequester,
  revealIdentity,
  staffCaseView,
  transitionCase,
  verifyIdentity,
} from "~/staff/cases.server";
import { can } from "~/staff/permissions";
import { attempt } from "~/staff/route-helpers.server";
import { RemovalSections } from "~/components/removal-sections";
import { decideMatch } from "~/matching/match.server";
import { removalCaseView } from "~/notices/casework.server";
import { recordReferral, recordRefusal, recordRemoval, sendNotice } from "~/notices/notices.server";
import { attemptRemoval } from "~/notices/route-helpers.server";

export const handle = { i18n: ["common", "staff", "casework", "case", "removal"] };

const MAX_TEXT = 5000;

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { user, headers } = await requireStaff(context, request, { permission: "read:case" });
  const locale = await i18nServer.getLocale(request);
  const t = await i18nServer.getFixedT(locale, ["casework", "common"]);
  let view;
  try {
    view = await staffCaseView(context, user, params.caseId ?? "");
  } catch (error) {
    if (error instanceof Forbidden) throw new Response(null, { status: 403 });
    throw error;
  }
  // Reading it was allowed, so the case is handled by the user's organisation.
  const target = { handlingOrganisationId: user.organisationId, assignedTo: view.assignedTo };
  const audit = can(user, "read:audit", target) ? await caseAuditTrail(context, user, view.id) : null;
  const removal = await removalCaseView(context, user, view.id);
  return json(
    {
      title: `${t("case.title", { reference: view.reference })} – ${t("common:site.name")}`,
      user,
      view,
      audit,
      removal,
      me: user.id,
      may: {
        update: can(user, "update:case", target),
        assignSelf: can(user, "assign-self:case", target),
        assignOthers: can(user, "assign:case", target),
        reveal: can(user, "reveal:identity", target),
      },
      locale,
    },
    { headers }
  );
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { user, headers } = await requireStaff(context, request, { permission: "read:case" });
  const caseId = params.caseId ?? "";
  const form = await readForm(request);
  const language = await i18nServer.getLocale(request);
  const text = (name: string) => (form[name] ?? "").trim();
  const tooLong = (name: string) => text(name).length > MAX_TEXT;
  const invalid = (field: string, key: string) => json({ errors: [{ field, key }] }, { status: 400, headers });
  const back = () => redirect(`/staff/cases/${caseId}`, { headers });

  switch (form.intent) {
    case "assign": {
      const assignee = form.assignee === "me" ? user.id : text("assignee");
      return (await attempt(headers, () => assignCase(context, user, caseId, assignee))) ?? back();
    }
    case "transition": {
      const to = form.to as CaseStatus;
      if (!CASE_STATUSES.includes(to)) return invalid("action", "errors.choose");
      if (tooLong("reason")) return invalid("reason", "errors.tooLong");
      const reason = text("reason") ? { text: text("reason"), language } : null;
      return (await attempt(headers, () => transitionCase(context, user, caseId, to, reason))) ?? back();
    }
    case "verify": {
      const method = form.method as IdentityVerificationMethod;
      if (!IDENTITY_VERIFICATION_METHODS.includes(method)) return invalid("method", "errors.choose");
      return (await attempt(headers, () => verifyIdentity(context, user, caseId, method))) ?? back();
    }
    case "update":
    case "preview": {
      const template = form.template as UpdateTemplate;
      if (!UPDATE_TEMPLATES.includes(template)) return invalid("template", "errors.choose");
      const count = Number(form.count ?? 0);
      if (template === "instancesFound" && (!Number.isInteger(count) || count < 0 || count > 100000))
        return invalid("count", "casework:errors.count");
      if (tooLong("note")) return invalid("note", "errors.tooLong");
      const note = text("note") ? { text: text("note"), language } : undefined;
      if (form.intent === "preview") {
        // What the requester will read: the template in their language, the note as written.
        const row = await context.db.selectFrom("case").select("language").where("id", "=", caseId).executeTakeFirst();
        const requesterLanguage = row?.language ?? "en";
        const t = await i18nServer.getFixedT(requesterLanguage, "case");
        return json(
          { preview: { language: requesterLanguage, text: t(`events.${template}`, { count }), note: note ?? null }, values: form },
          { headers }
        );
      }
      return (await attempt(headers, () => postUpdate(context, user, caseId, { template, count, note }))) ?? back();
    }
    case "extend": {
      const months = Number(form.months);
      if (tooLong("extensionReason")) return invalid("extensionReason", "errors.tooLong");
      return (await attempt(headers, () => extendDueDate(context, user, caseId, months, { text: text("extensionReason"), language }))) ?? back();
    }
    case "reveal": {
      if (!text("revealReason")) return invalid("revealReason", "casework:errors.reasonRequired");
      if (tooLong("revealReason")) return invalid("revealReason", "errors.tooLong");
      try {
        return json({ identity: await revealIdentity(context, user, caseId, text("revealReason")) }, { headers });
      } catch (error) {
        if (error instanceof Forbidden) throw new Response(null, { status: 403 });
        throw error;
      }
    }
    case "note": {
      if (!text("noteBody")) return invalid("noteBody", "casework:errors.noteRequired");
      if (tooLong("noteBody")) return invalid("noteBody", "errors.tooLong");
      return (await attempt(headers, () => addNote(context, user, caseId, text("noteBody")))) ?? back();
    }
    case "reply": {
      if (!text("replyBody")) return invalid("replyBody", "casework:errors.noteRequired");
      if (tooLong("replyBody")) return invalid("replyBody", "errors.tooLong");
      return (await attempt(headers, () => replyToRequester(context, user, caseId, text("replyBody"), language))) ?? back();
    }
    // Matching and removal (app/matching, app/notices).
    case "confirm":
    case "reject": {
      const decision = form.intent;
      return (await attemptRemoval(headers, () => decideMatch(context, user, caseId, text("matchId"), decision))) ?? back();
    }
    case "notice":
      return (
        (await attemptRemoval(headers, () =>
          sendNotice(context, user, caseId, text("providerId"), { senderNamed: form.senderNamed === "1" })
        )) ?? back()
      );
    case "removed": {
      const day = text("removedOn");
      if (day && !/^\d{4}-\d{2}-\d{2}$/.test(day)) return invalid("removal", "removal:errors.date");
      const removedAt = day ? new Date(`${day}T12:00:00.000Z`).toISOString() : undefined;
      return (await attemptRemoval(headers, () => recordRemoval(context, user, caseId, text("sightingId"), removedAt))) ?? back();
    }
    case "referral": {
      if (text("note").length > 500) return invalid("removal", "errors.tooLong");
      return (await attemptRemoval(headers, () => recordReferral(context, user, caseId, text("noticeId"), text("note")))) ?? back();
    }
    case "refused":
      return (await attemptRemoval(headers, () => recordRefusal(context, user, caseId, text("noticeId")))) ?? back();
    default:
      return invalid("action", "errors.choose");
  }
}

export default function StaffCase() {
  const { user, view, may, me, locale, audit, removal } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { t } = useTranslation("casework");
  const { t: tc } = useTranslation("case");
  const errors = actionData && "errors" in actionData ? actionData.errors : [];
  const closed = ["completed", "rejected", "withdrawn"].includes(view.status);
  const d = (iso: string) => formatDate(iso, locale);

  return (
    <StaffShell user={user}>
      <div className="staff-page">
        <ErrorSummary errors={errors} />
        <h1>{t("case.title", { reference: view.reference })}</h1>

        <dl className="summary-list">
          <Row label={t("case.status")} value={tc(`statuses.${view.status}`)} />
          <Row label={t("case.route")} value={t(`routes.${view.route}`)} />
          <Row label={t("case.country")} value={countryName(view.country, locale)} />
          <Row label={t("case.language")} value={nativeLanguageName(view.language)} />
          <Row
            label={t("case.wants")}
            value={[view.wantsInformation ? t("case.wantsInformation") : null, view.wantsRemoval ? t("case.wantsRemoval") : null]
              .filter(Boolean)
              .join(", ")}
          />
          <Row label={t("case.disclosure")} value={tc(`levels.${view.disclosure}`)} />
          <Row label={t("case.contact")} value={t(`case.contactMethods.${view.contactMethod}`)} />
          <Row label={t("case.relation")} value={t(`case.relations.${view.relation}`)} />
          <Row label={t("case.received")} value={d(view.receivedAt)} />
          <Row
            label={t("case.due")}
            value={
              view.extendedDueAt ? t("case.dueExtended", { date: d(view.extendedDueAt), original: d(view.originalDueAt) }) : d(view.dueAt)
            }
          />
          <Row label={t("case.assigned")} value={view.assignedName ?? t("queue.unassigned")} />
          {view.filedByOrganisation ? <Row label={t("case.filedBy")} value={view.filedByOrganisation} /> : null}
          <Row
            label={t("case.identity")}
            value={
              view.identityVerifiedAt
                ? t("case.identityVerified", {
                    date: d(view.identityVerifiedAt),
                    method: t(`verification.${view.identityVerificationMethod}`),
                    name: view.identityVerifiedByName ?? "",
                  })
                : t("case.identityNotVerified")
            }
          />
        </dl>

        {!closed && ((may.assignSelf && view.assignedTo !== me) || may.assignOthers) ? (
          <section aria-labelledby="assign-title" className="panel">
            <h2 id="assign-title">{t("assign.title")}</h2>
            {view.assignedTo !== me && may.assignSelf ? (
              <Form method="post">
                <input type="hidden" name="intent" value="assign" />
                <input type="hidden" name="assignee" value="me" />
                <SubmitButton variant="secondary">{t("assign.me")}</SubmitButton>
              </Form>
            ) : null}
            {may.assignOthers ? (
              <Form method="post" className="inline-form">
                <input type="hidden" name="intent" value="assign" />
                <SelectField
                  name="assignee"
                  label={t("assign.to")}
                  prompt={t("assign.choose")}
                  options={view.colleagues.map((c) => ({ value: c.id, label: c.name }))}
                  value={view.assignedTo ?? undefined}
                  errors={errors}
                />
                <SubmitButton variant="secondary">{t("assign.submit")}</SubmitButton>
              </Form>
            ) : null}
          </section>
        ) : null}

        {may.update && !closed ? (
          <>
            {!view.identityVerifiedAt ? (
              <section aria-labelledby="verify-title" className="panel">
                <h2 id="verify-title">{t("verify.title")}</h2>
                <p>{t("verify.explain")}</p>
                <Form method="post">
                  <input type="hidden" name="intent" value="verify" />
                  <SelectField
                    name="method"
                    label={t("verify.method")}
                    prompt={t("verify.choose")}
                    options={IDENTITY_VERIFICATION_METHODS.map((m) => ({ value: m, label: t(`verification.${m}`) }))}
                    errors={errors}
                  />
                  <SubmitButton>{t("verify.submit")}</SubmitButton>
                </Form>
              </section>
            ) : null}

            <section aria-labelledby="update-title" className="panel">
              <h2 id="update-title">{t("update.title")}</h2>
              {/* Keyed by the updates posted, so a posted update leaves an empty form (and nothing else resets it). */}
              <Form method="post" key={view.timeline.filter((e) => (UPDATE_TEMPLATES as readonly string[]).includes(e.template)).length}>
                <SelectField
                  name="template"
                  label={t("update.template")}
                  prompt={t("update.choose")}
                  value={actionData && "values" in actionData ? actionData.values.template : undefined}
                  options={UPDATE_TEMPLATES.map((u) => ({ value: u, label: tc(`events.${u}`, { count: 1 }) }))}
                  errors={errors}
                />
                <TextField
                  name="count"
                  label={t("update.count")}
                  hint={t("update.countHint")}
                  value={actionData && "values" in actionData ? actionData.values.count : undefined}
                  errors={errors}
                />
                <TextField
                  name="note"
                  multiline
                  label={t("update.note")}
                  hint={t("update.noteHint", { language: nativeLanguageName(locale) })}
                  value={actionData && "values" in actionData ? actionData.values.note : undefined}
                  errors={errors}
                />
                <div className="actions">
                  <SubmitButton name="intent" value="preview" variant="secondary">
                    {t("update.preview")}
                  </SubmitButton>
                  <SubmitButton name="intent" value="update">
                    {t("update.submit")}
                  </SubmitButton>
                </div>
              </Form>
              {actionData && "preview" in actionData && actionData.preview ? (
                <div className="preview" aria-live="polite">
                  <h3>{t("update.previewTitle", { language: nativeLanguageName(actionData.preview.language) })}</h3>
                  <p lang={actionData.preview.language} dir="auto">
                    {actionData.preview.text}
                  </p>
                  {actionData.preview.note ? (
                    <blockquote lang={actionData.preview.note.language} dir="auto">
                      {actionData.preview.note.text}
                    </blockquote>
                  ) : null}
                </div>
              ) : null}
            </section>

            <section aria-labelledby="status-title" className="panel">
              <h2 id="status-title">{t("transition.title")}</h2>
              <Form method="post">
                <input type="hidden" name="intent" value="transition" />
                <TextField
                  name="reason"
                  multiline
                  rows={2}
                  label={t("transition.reason")}
                  hint={t("transition.reasonHint")}
                  errors={errors}
                />
                <div className="actions">
                  {TRANSITIONS[view.status as CaseStatus].map((to) => (
                    <SubmitButton key={to} name="to" value={to} variant={to === "rejected" ? "warning" : "secondary"}>
                      {t(`transition.to.${to}`)}
                    </SubmitButton>
                  ))}
                </div>
              </Form>
            </section>

            {view.canExtend ? (
              <section aria-labelledby="extend-title" className="panel">
                <h2 id="extend-title">{t("extend.title")}</h2>
                <p>{t("extend.explain")}</p>
                <Form method="post">
                  <input type="hidden" name="intent" value="extend" />
                  <SelectField
                    name="months"
                    label={t("extend.months")}
                    prompt={t("extend.choose")}
                    options={[1, 2].map((m) => ({ value: String(m), label: t("extend.monthsOption", { count: m }) }))}
                    errors={errors}
                  />
                  <TextField name="extensionReason" multiline rows={3} label={t("extend.reason")} hint={t("extend.reasonHint")} errors={errors} />
                  <SubmitButton>{t("extend.submit")}</SubmitButton>
                </Form>
              </section>
            ) : null}
          </>
        ) : null}

        <section aria-labelledby="items-title">
          <h2 id="items-title">{t("items.title")}</h2>
          <p className="note">{t("items.inert")}</p>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t("items.kind")}</th>
                <th scope="col">{t("items.value")}</th>
                <th scope="col">{t("items.added")}</th>
              </tr>
            </thead>
            <tbody>
              {view.items.map((item) => (
                <tr key={item.id}>
                  <td>{t(`items.kinds.${item.kind}`)}</td>
                  {/* Inert text: never a link, never fetched, never previewed. */}
                  <td className="inert" dir="ltr" translate="no">
                    {item.value}
                    {item.pdqQuality !== null ? <span className="note"> ({t("items.quality", { quality: item.pdqQuality })})</span> : null}
                  </td>
                  <td>{d(item.addedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>

        <RemovalSections removal={removal} locale={locale} closed={closed} />

        {view.mandate ? (
          <section aria-labelledby="mandate-title">
            <h2 id="mandate-title">{t("mandate.title")}</h2>
            <dl className="summary-list">
              <Row label={t("mandate.relation")} value={t(`mandate.relations.${view.mandate.relation}`)} />
              <Row label={t("mandate.basis")} value={view.mandate.basis} />
              <Row label={t("mandate.evidence")} value={view.mandate.evidenceReference} />
              <Row label={t("mandate.date")} value={view.mandate.date} />
              <Row label={t("mandate.scope")} value={t(`mandate.scopes.${view.mandate.scope}`)} />
              <Row label={t("mandate.receiptHolder")} value={t(`mandate.holders.${view.mandate.receiptHolder}`)} />
              <Row label={t("mandate.recorded")} value={`${view.mandate.recordedByName ?? ""} · ${d(view.mandate.recordedAt)}`} />
            </dl>
          </section>
        ) : null}

        {may.reveal ? (
          <section aria-labelledby="reveal-title" className="panel">
            <h2 id="reveal-title">{t("reveal.title")}</h2>
            {actionData && "identity" in actionData && actionData.identity ? (
              <dl className="summary-list" data-testid="revealed-identity">
                <Row label={t("reveal.contactMethod")} value={t(`case.contactMethods.${actionData.identity.contactMethod}`)} />
                <Row label={t("reveal.email")} value={actionData.identity.email ?? "—"} />
                <Row label={t("reveal.organisation")} value={actionData.identity.organisation ?? "—"} />
              </dl>
            ) : (
              <Form method="post">
                <input type="hidden" name="intent" value="reveal" />
                <p>{t("reveal.explain")}</p>
                <TextField
                  name="revealReason"
                  label={t("reveal.reason")}
                  errors={errors}
                />
                <SubmitButton variant="secondary">{t("reveal.submit")}</SubmitButton>
              </Form>
            )}
          </section>
        ) : null}

        <section aria-labelledby="messages-title">
          <h2 id="messages-title">{t("messages.title")}</h2>
          <ol className="messages">
            {view.messages.map((m) => (
              <li key={m.id} className={`message message--${m.direction}`}>
                <p className="message__meta">
                  {t(`messages.${m.direction}`)} · {d(m.sentAt)} · {nativeLanguageName(m.language)}
                </p>
                <p lang={m.language} dir="auto" className="message__body">
                  {m.body}
                </p>
              </li>
            ))}
          </ol>
          {may.update && !closed ? (
            <Form method="post">
              <input type="hidden" name="intent" value="reply" />
              <TextField
                name="replyBody"
                multiline
                label={t("messages.reply")}
                errors={errors}
              />
              <SubmitButton>{t("messages.send")}</SubmitButton>
            </Form>
          ) : null}
        </section>

        <section aria-labelledby="notes-title">
          <h2 id="notes-title">{t("notes.title")}</h2>
          <p className="note">{t("notes.internal")}</p>
          <ul className="notes">
            {view.notes.map((n) => (
              <li key={n.id}>
                <p className="message__meta">
                  {n.authorName} · {d(n.createdAt)}
                </p>
                <p className="message__body">{n.body}</p>
              </li>
            ))}
          </ul>
          <Form method="post">
            <input type="hidden" name="intent" value="note" />
            <TextField
              name="noteBody"
              multiline
              rows={3}
              label={t("notes.add")}
              errors={errors}
            />
            <SubmitButton variant="secondary">{t("notes.submit")}</SubmitButton>
          </Form>
        </section>

        {audit ? (
          <section aria-labelledby="audit-title">
            <h2 id="audit-title">{t("audit.title")}</h2>
            <details className="disclosure">
              <summary>{t("audit.show", { count: audit.length })}</summary>
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">{t("audit.when")}</th>
                    <th scope="col">{t("audit.who")}</th>
                    <th scope="col">{t("audit.what")}</th>
                    <th scope="col">{t("audit.why")}</th>
                  </tr>
                </thead>
                <tbody>
                  {audit.map((row) => (
                    <tr key={row.seq}>
                      <td>
                        <time dateTime={row.at}>{new Date(row.at).toISOString().slice(0, 16).replace("T", " ")}</time>
                      </td>
                      <td>{row.actor}</td>
                      <td dir="ltr">{row.action}</td>
                      <td>{row.reason ?? ""}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          </section>
        ) : null}

        <section aria-labelledby="timeline-title">
          <h2 id="timeline-title">{t("timeline.title")}</h2>
          <ol className="timeline">
            {view.timeline.map((e) => (
              <li key={e.id}>
                <time dateTime={e.at}>{d(e.at)}</time>
                <p>
                  {tc(`events.${e.template}`, {
                    ...e.params,
                    date: typeof e.params.date === "string" ? d(e.params.date) : undefined,
                    level: e.params.level ? tc(`levels.${e.params.level}`) : undefined,
                    country: typeof e.params.country === "string" && e.params.country ? countryName(e.params.country, locale) : undefined,
                  })}
                  {e.visible ? null : <span className="tag"> {t("timeline.internal")}</span>}
                </p>
                {e.note ? (
                  <blockquote lang={e.note.language} dir="auto">
                    {e.note.text}
                  </blockquote>
                ) : null}
              </li>
            ))}
          </ol>
        </section>
      </div>
    </StaffShell>
  );
}

function Row({ label, value }: { label: string; value: string }) {
  return (
    <div className="summary-list__row">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}
