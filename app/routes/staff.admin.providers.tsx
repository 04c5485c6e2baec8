import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { recordAudit } from "~/audit/audit.server";
import { countriesByName, countryName } from "~/cases/countries";
import type { FieldError } from "~/cases/request";
import { StaffShell } from "~/components/staff-shell";
import { ErrorSummary, SelectField, SubmitButton, TextField } from "~/components/ui/form";
import { readForm } from "~/http/form.server";
import { i18nServer } from "~/i18n/i18next.server";
import { listProviders, saveProvider } from "~/sightings/providers.server";
import { requireStaff } from "~/staff/auth.server";

export const handle = { i18n: ["common", "staff", "removal"] };

const PERMISSION = "manage:providers";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user, headers } = await requireStaff(context, request, { permission: PERMISSION });
  const locale = await i18nServer.getLocale(request);
  const t = await i18nServer.getFixedT(locale, ["removal", "common"]);
  const providers = await listProviders(context);
  const editId = new URL(request.url).searchParams.get("edit");
  await recordAudit(context, { actorKind: "staff", actorId: user.id, organisationId: user.organisationId, action: "providers.view" });
  return json(
    {
      title: `${t("providers.title")} – ${t("common:site.name")}`,
      user,
      providers,
      editing: providers.find((p) => p.id === editId) ?? null,
      countries: countriesByName(locale),
      locale,
    },
    { headers },
  );
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function action({ request, context }: ActionFunctionArgs) {
  const { user, headers } = await requireStaff(context, request, { permission: PERMISSION });
  const form = await readForm(request);
  const values = { id: form.id ?? "", name: form.name ?? "", country: form.country ?? "", removalContact: form.removalContact ?? "", languages: form.languages ?? "" };
  const result = await saveProvider(context, { ...values, id: values.id || undefined }, { kind: "staff", user });
  if (!result.ok) return json({ saved: null, errors: result.errors, values }, { status: 400, headers });
  return json({ saved: values.name.trim(), errors: [] as FieldError[], values }, { headers });
}

export default function AdminProviders() {
  const { user, providers, editing, countries, locale } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { t } = useTranslation("removal");
  const errors = actionData?.errors ?? [];
  const saved = actionData?.saved ?? null;
  const failed = saved ? undefined : actionData?.values;
  const values = failed ?? (editing ? { id: editing.id, name: editing.name, country: editing.country, removalContact: editing.removalContact ?? "", languages: editing.languages.join(", ") } : undefined);
  return (
    <StaffShell user={user}>
      {saved ? (
        <p className="notice" role="status">
          {t("providers.saved", { name: saved })}
        </p>
      ) : null}
      <ErrorSummary errors={errors} />
      <h1>{t("providers.title")}</h1>
      <p>{t("providers.lead")}</p>
      <div className="table-wrap">
        <table className="data-table" data-testid="providers">
          <thead>
            <tr>
              <th scope="col">{t("providers.name")}</th>
              <th scope="col">{t("providers.country")}</th>
              <th scope="col">{t("providers.contact")}</th>
              <th scope="col">{t("providers.languages")}</th>
              <th scope="col">{t("providers.sightings")}</th>
              <th scope="col">{t("providers.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {providers.map((p) => (
              <tr key={p.id}>
                <th scope="row">{p.name}</th>
                <td>{countryName(p.country, locale)}</td>
                <td dir="ltr">{p.removalContact ?? t("providers.noContact")}</td>
                <td dir="ltr">{p.languages.join(", ")}</td>
                <td>{p.sightings}</td>
                <td>
                  <Link to={`?edit=${p.id}`}>
                    {t("providers.edit")}
                    <span className="visually-hidden"> {p.name}</span>
                  </Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2>{values?.id ? t("providers.editTitle", { name: editing?.name ?? values.name }) : t("providers.addTitle")}</h2>
      <Form method="post" noValidate className="prose" key={saved ?? values?.id ?? "new"}>
        {values?.id ? <input type="hidden" name="id" value={values.id} /> : null}
        <TextField name="name" label={t("providers.name")} value={values?.name} errors={errors} />
        <SelectField
          name="country"
          label={t("providers.country")}
          prompt={t("providers.countryPrompt")}
          value={values?.country}
          errors={errors}
          options={countries.map((c) => ({ value: c.code, label: c.name }))}
        />
        <TextField name="removalContact" type="email" label={t("providers.contact")} hint={t("providers.contactHint")} value={values?.removalContact} errors={errors} dir="ltr" />
        <TextField name="languages" label={t("providers.languages")} hint={t("providers.languagesHint")} value={values?.languages} errors={errors} dir="ltr" />
        <div className="actions">
          <SubmitButton>{values?.id ? t("providers.saveChanges") : t("providers.add")}</SubmitButton>
          {values?.id ? <Link to="?">{t("providers.cancel")}</Link> : null}
        </div>
      </Form>
    </StaffShell>
  );
}
