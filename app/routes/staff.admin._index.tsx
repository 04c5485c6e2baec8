import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import type { FieldError } from "~/cases/request";
import { StaffShell } from "~/components/staff-shell";
import { formatDate } from "~/components/ui/dates";
import { ErrorSummary, fieldId, SelectField, SubmitButton, TextField } from "~/components/ui/form";
import { STAFF_ROLES } from "~/db/schema";
import { readForm } from "~/http/form.server";
import { i18nServer } from "~/i18n/i18next.server";
import { createStaffUser, disableStaffUser, enableStaffUser, listStaffUsers, resetStaffUser, SETUP_LINK_DAYS } from "~/staff/accounts.server";
import { requireStaff } from "~/staff/auth.server";

export const handle = { i18n: ["common", "staff"] };

const PERMISSION = "manage:users";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user, headers } = await requireStaff(context, request, { permission: PERMISSION });
  const t = await i18nServer.getFixedT(request, ["staff", "common"]);
  const organisation = await context.db.selectFrom("organisation").select("name").where("id", "=", user.organisationId).executeTakeFirstOrThrow();
  const users = await listStaffUsers(context, user.organisationId);
  return json({ title: `${t("users.title")} – ${t("common:site.name")}`, user, organisation: organisation.name, users, days: SETUP_LINK_DAYS }, { headers });
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

type Done =
  | { kind: "invited" | "reset"; name: string; link: string; expiresAt: string }
  | { kind: "disabled" | "enabled"; name: string };

const CHANGE_ERRORS = { self: "staff:users.errors.self", not_found: "staff:users.errors.notFound", disabled: "staff:users.errors.accountDisabled" } as const;

export async function action({ request, context }: ActionFunctionArgs) {
  const { user, headers } = await requireStaff(context, request, { permission: PERMISSION });
  const form = await readForm(request);
  const answer = (data: { done?: Done; errors?: FieldError[]; values?: Record<string, string> }, status = 200) =>
    json({ done: data.done ?? null, errors: data.errors ?? [], values: data.values ?? {} }, { status, headers });
  const rowError = (error: keyof typeof CHANGE_ERRORS) => answer({ errors: [{ field: "users", key: CHANGE_ERRORS[error] }] }, error === "not_found" ? 404 : 400);

  if (form.intent === "invite") {
    const values = { email: form.email ?? "", displayName: form.displayName ?? "", role: form.role ?? "" };
    const language = await i18nServer.getLocale(request);
    const result = await createStaffUser(context, { organisationId: user.organisationId, ...values, invitedBy: user, language, sendInvitation: true });
    if (!result.ok) return answer({ errors: result.errors, values }, 400);
    return answer({ done: { kind: "invited", name: values.displayName.trim(), link: result.link, expiresAt: result.expiresAt } });
  }
  const userId = form.userId ?? "";
  const target = (await listStaffUsers(context, user.organisationId)).find((u) => u.id === userId);
  if (!target) return rowError("not_found");
  if (form.intent === "disable") {
    const result = await disableStaffUser(context, user, userId);
    return result.ok ? answer({ done: { kind: "disabled", name: target.displayName } }) : rowError(result.error);
  }
  if (form.intent === "enable") {
    const result = await enableStaffUser(context, user, userId);
    return result.ok ? answer({ done: { kind: "enabled", name: target.displayName } }) : rowError(result.error);
  }
  if (form.intent === "reset") {
    const result = await resetStaffUser(context, user, userId);
    return result.ok ? answer({ done: { kind: "reset", name: result.displayName, link: result.link, expiresAt: result.expiresAt } }) : rowError(result.error);
  }
  return answer({ errors: [{ field: "users", key: "staff:users.errors.notFound" }] }, 400);
}

export default function AdminUsers() {
  const { user, organisation, users, days } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { t, i18n } = useTranslation("staff");
  const errors = actionData?.errors ?? [];
  const done = actionData?.done ?? null;
  const inviteErrors = errors.filter((e) => e.field !== "users");
  return (
    <StaffShell user={user}>
      {done ? (
        <div className="notice" role="status">
          {done.kind === "invited" || done.kind === "reset" ? (
            <>
              <p>{t(done.kind === "invited" ? "users.invited" : "users.resetDone", { name: done.name, date: formatDate(done.expiresAt, i18n.language) })}</p>
              <p>
                {t("users.linkLabel")}
                {": "}
                <code className="setup-link" dir="ltr" data-testid="setup-link">
                  {done.link}
                </code>
              </p>
            </>
          ) : (
            <p>{t(done.kind === "disabled" ? "users.disabled" : "users.enabled", { name: done.name })}</p>
          )}
        </div>
      ) : null}
      <ErrorSummary errors={errors} />
      <h1>{t("users.title")}</h1>
      <p>{t("users.lead", { organisation, days })}</p>
      <div className="table-wrap" id={fieldId("users")} tabIndex={-1}>
        <table className="data-table">
          <caption className="visually-hidden">{t("users.caption", { organisation })}</caption>
          <thead>
            <tr>
              <th scope="col">{t("users.columns.name")}</th>
              <th scope="col">{t("users.columns.email")}</th>
              <th scope="col">{t("users.columns.role")}</th>
              <th scope="col">{t("users.columns.state")}</th>
              <th scope="col">{t("users.columns.twoFactor")}</th>
              <th scope="col">{t("users.columns.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id} data-testid="user-row">
                <th scope="row">
                  {u.displayName}
                  {u.id === user.id ? <span className="note"> ({t("users.you")})</span> : null}
                </th>
                <td dir="ltr">{u.email}</td>
                <td>{t(`roles.${u.role}`)}</td>
                <td data-testid="user-state">{t(`users.states.${u.state}`)}</td>
                <td>{u.twoFactorEnrolled ? t("users.twoFactorOn") : t("users.twoFactorOff")}</td>
                <td>
                  {u.id === user.id ? null : (
                    <div className="row-actions">
                      <Form method="post">
                        <input type="hidden" name="userId" value={u.id} />
                        <button type="submit" name="intent" value={u.state === "disabled" ? "enable" : "disable"} className="button button--secondary button--small">
                          {u.state === "disabled" ? t("users.enable") : t("users.disable")}
                          <span className="visually-hidden"> {u.displayName}</span>
                        </button>
                      </Form>
                      {u.state === "disabled" ? null : (
                        <Form method="post">
                          <input type="hidden" name="userId" value={u.id} />
                          <button type="submit" name="intent" value="reset" className="button button--secondary button--small">
                            {t("users.reset")}
                            <span className="visually-hidden"> {u.displayName}</span>
                          </button>
                        </Form>
                      )}
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2>{t("users.inviteTitle")}</h2>
      {/* A new key after each invitation empties the form (its fields are uncontrolled). */}
      <Form method="post" noValidate className="prose" key={done && "link" in done ? done.link : "invite"}>
        <input type="hidden" name="intent" value="invite" />
        <TextField name="email" type="email" label={t("users.email")} value={done ? "" : actionData?.values.email} errors={inviteErrors} dir="ltr" />
        <TextField name="displayName" label={t("users.name")} hint={t("users.nameHint")} value={done ? "" : actionData?.values.displayName} errors={inviteErrors} />
        <SelectField
          name="role"
          label={t("users.role")}
          prompt={t("users.rolePrompt")}
          value={done ? "" : actionData?.values.role}
          errors={inviteErrors}
          options={STAFF_ROLES.map((role) => ({ value: role, label: t(`roles.${role}`) }))}
        />
        <div className="actions">
          <SubmitButton>{t("users.invite")}</SubmitButton>
        </div>
      </Form>
    </StaffShell>
  );
}
