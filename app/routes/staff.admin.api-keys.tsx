import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { recordAudit } from "~/audit/audit.server";
import type { FieldError } from "~/cases/request";
import { StaffShell } from "~/components/staff-shell";
import { formatDate } from "~/components/ui/dates";
import { ErrorSummary, fieldId, SelectField, SubmitButton, TextField } from "~/components/ui/form";
import { API_SCOPES, type ApiScope } from "~/db/schema";
import { i18nServer } from "~/i18n/i18next.server";
import { createApiKey, listApiKeys, revokeApiKey } from "~/sightings/api-keys.server";
import { requireStaff } from "~/staff/auth.server";
import { listOrganisations } from "~/staff/organisations.server";

export const handle = { i18n: ["common", "staff", "removal"] };

const PERMISSION = "manage:apikeys";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user, headers } = await requireStaff(context, request, { permission: PERMISSION });
  const locale = await i18nServer.getLocale(request);
  const t = await i18nServer.getFixedT(locale, ["removal", "common"]);
  const [keys, organisations] = await Promise.all([listApiKeys(context), listOrganisations(context)]);
  await recordAudit(context, { actorKind: "staff", actorId: user.id, organisationId: user.organisationId, action: "apikeys.view" });
  return json(
    { title: `${t("apiKeys.title")} – ${t("common:site.name")}`, user, keys, organisations: organisations.map((o) => ({ id: o.id, name: o.name })), locale },
    { headers },
  );
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

type Answer = { created: { key: string; organisation: string } | null; revoked: boolean; errors: FieldError[] };

export async function action({ request, context }: ActionFunctionArgs) {
  const { user, headers } = await requireStaff(context, request, { permission: PERMISSION });
  // Scopes are checkboxes, the one field that repeats: read the body once, as readForm would, keeping every scope.
  const body = await request.formData().catch(() => null);
  if (!body || [...body.values()].some((v) => typeof v !== "string")) throw new Response(null, { status: 400 });
  const answer = (data: Partial<Answer>, status = 200) => json({ created: null, revoked: false, errors: [], ...data } satisfies Answer, { status, headers });
  const scopes = body.getAll("scopes").filter((s): s is ApiScope => typeof s === "string" && (API_SCOPES as readonly string[]).includes(s));
  const form: Record<string, string> = {};
  for (const [key, value] of body) if (!(key in form)) form[key] = value as string;
  if (form.intent === "revoke") {
    const result = await revokeApiKey(context, form.keyId ?? "", user);
    return result.ok ? answer({ revoked: true }) : answer({ errors: [{ field: "keys", key: "removal:apiKeys.errors.notFound" }] }, 404);
  }
  const organisation = (await listOrganisations(context)).find((o) => o.id === form.organisationId);
  const errors: FieldError[] = [];
  if (!organisation) errors.push({ field: "organisationId", key: "removal:apiKeys.errors.organisation" });
  if (scopes.length === 0) errors.push({ field: "scopes", key: "removal:apiKeys.errors.scopes" });
  if ((form.label ?? "").length > 200) errors.push({ field: "label", key: "errors.tooLong" });
  if (errors.length || !organisation) return answer({ errors }, 400);
  const created = await createApiKey(context, { organisationId: organisation.id, label: form.label ?? "", scopes, createdBy: user });
  return answer({ created: { key: created.key, organisation: organisation.name } });
}

export default function AdminApiKeys() {
  const { user, keys, organisations, locale } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { t } = useTranslation("removal");
  const errors = actionData?.errors ?? [];
  const created = actionData?.created ?? null;
  return (
    <StaffShell user={user}>
      {created ? (
        <div className="notice" role="status">
          <p>{t("apiKeys.created", { organisation: created.organisation })}</p>
          <p>
            <code className="setup-link" dir="ltr" data-testid="api-key">
              {created.key}
            </code>
          </p>
        </div>
      ) : null}
      {actionData?.revoked ? (
        <p className="notice" role="status">
          {t("apiKeys.revoked")}
        </p>
      ) : null}
      <ErrorSummary errors={errors} />
      <h1>{t("apiKeys.title")}</h1>
      <p>{t("apiKeys.lead")}</p>
      <div className="table-wrap" id={fieldId("keys")} tabIndex={-1}>
        <table className="data-table" data-testid="api-keys">
          <thead>
            <tr>
              <th scope="col">{t("apiKeys.organisation")}</th>
              <th scope="col">{t("apiKeys.label")}</th>
              <th scope="col">{t("apiKeys.prefix")}</th>
              <th scope="col">{t("apiKeys.scopes")}</th>
              <th scope="col">{t("apiKeys.used")}</th>
              <th scope="col">{t("apiKeys.state")}</th>
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k.id}>
                <th scope="row">{k.organisationName}</th>
                <td>{k.label}</td>
                <td dir="ltr">
                  <code>{k.prefix}</code>
                </td>
                <td dir="ltr">{k.scopes.join(", ")}</td>
                <td>{k.lastUsedAt ? formatDate(k.lastUsedAt, locale) : t("apiKeys.never")}</td>
                <td>
                  {k.revokedAt ? (
                    t("apiKeys.revokedOn", { date: formatDate(k.revokedAt, locale) })
                  ) : (
                    <Form method="post">
                      <input type="hidden" name="intent" value="revoke" />
                      <input type="hidden" name="keyId" value={k.id} />
                      <button type="submit" className="button button--warning button--small">
                        {t("apiKeys.revoke")}
                        <span className="visually-hidden"> {k.label}</span>
                      </button>
                    </Form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2>{t("apiKeys.createTitle")}</h2>
      <Form method="post" noValidate className="prose">
        <input type="hidden" name="intent" value="create" />
        <SelectField
          name="organisationId"
          label={t("apiKeys.organisation")}
          prompt={t("apiKeys.organisationPrompt")}
          errors={errors}
          options={organisations.map((o) => ({ value: o.id, label: o.name }))}
        />
        <TextField name="label" label={t("apiKeys.label")} hint={t("apiKeys.labelHint")} errors={errors} />
        <fieldset className="field" id={fieldId("scopes")}>
          <legend className="field__legend">{t("apiKeys.scopes")}</legend>
          {API_SCOPES.map((scope) => (
            <div className="checkbox" key={scope}>
              <input type="checkbox" id={`scope-${scope}`} name="scopes" value={scope} defaultChecked />
              <label htmlFor={`scope-${scope}`}>{t(`apiKeys.scopeNames.${scope.replace(":", "_")}`)}</label>
            </div>
          ))}
        </fieldset>
        <div className="actions">
          <SubmitButton>{t("apiKeys.create")}</SubmitButton>
        </div>
      </Form>
    </StaffShell>
  );
}
