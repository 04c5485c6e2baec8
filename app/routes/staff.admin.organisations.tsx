import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { countriesByName, countryName } from "~/cases/countries";
import type { FieldError } from "~/cases/request";
import { StaffShell } from "~/components/staff-shell";
import { ErrorSummary, SelectField, SubmitButton, TextField } from "~/components/ui/form";
import { readForm } from "~/http/form.server";
import { i18nServer } from "~/i18n/i18next.server";
import { requireStaff } from "~/staff/auth.server";
import { createOrganisation, CREATABLE_KINDS, listOrganisations } from "~/staff/organisations.server";

export const handle = { i18n: ["common", "staff"] };

const PERMISSION = "manage:organisations";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user, headers } = await requireStaff(context, request, { permission: PERMISSION });
  const locale = await i18nServer.getLocale(request);
  const t = await i18nServer.getFixedT(locale, ["staff", "common"]);
  return json(
    {
      title: `${t("organisations.title")} – ${t("common:site.name")}`,
      user,
      organisations: await listOrganisations(context),
      countries: countriesByName(locale),
      kinds: [...CREATABLE_KINDS],
    },
    { headers },
  );
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function action({ request, context }: ActionFunctionArgs) {
  const { user, headers } = await requireStaff(context, request, { permission: PERMISSION });
  const form = await readForm(request);
  const values = { name: form.name ?? "", kind: form.kind ?? "", country: form.country ?? "", servesCountries: form.servesCountries ?? "" };
  const result = await createOrganisation(context, values, user);
  if (!result.ok) return json({ created: null, errors: result.errors, values }, { status: 400, headers });
  return json({ created: values.name.trim(), errors: [] as FieldError[], values }, { headers });
}

export default function AdminOrganisations() {
  const { user, organisations, countries, kinds } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { t, i18n } = useTranslation("staff");
  const errors = actionData?.errors ?? [];
  const created = actionData?.created ?? null;
  const values = created ? undefined : actionData?.values;
  return (
    <StaffShell user={user}>
      {created ? (
        <p className="notice" role="status">
          {t("organisations.created", { name: created })}
        </p>
      ) : null}
      <ErrorSummary errors={errors} />
      <h1>{t("organisations.title")}</h1>
      <div className="table-wrap">
        <table className="data-table">
          <caption className="visually-hidden">{t("organisations.caption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("organisations.columns.name")}</th>
              <th scope="col">{t("organisations.columns.kind")}</th>
              <th scope="col">{t("organisations.columns.country")}</th>
              <th scope="col">{t("organisations.columns.serves")}</th>
              <th scope="col">{t("organisations.columns.users")}</th>
            </tr>
          </thead>
          <tbody>
            {organisations.map((o) => (
              <tr key={o.id} data-testid="organisation-row">
                <th scope="row">{o.name}</th>
                <td>{t(`organisations.kinds.${o.kind}`)}</td>
                <td>{o.country ? countryName(o.country, i18n.language) : t("organisations.none")}</td>
                <td>{o.servesCountries.length ? o.servesCountries.map((c) => countryName(c, i18n.language)).join(", ") : t("organisations.none")}</td>
                <td>{o.users}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2>{t("organisations.createTitle")}</h2>
      <Form method="post" noValidate className="prose" key={created ?? "create"}>
        <TextField name="name" label={t("organisations.name")} value={values?.name} errors={errors} />
        <SelectField
          name="kind"
          label={t("organisations.kind")}
          prompt={t("organisations.kindPrompt")}
          value={values?.kind}
          errors={errors}
          options={kinds.map((kind) => ({ value: kind, label: t(`organisations.kinds.${kind}`) }))}
        />
        <SelectField
          name="country"
          label={t("organisations.country")}
          hint={t("organisations.countryHint")}
          prompt={t("organisations.countryPrompt")}
          value={values?.country}
          errors={errors}
          options={countries.map((c) => ({ value: c.code, label: c.name }))}
        />
        <TextField name="servesCountries" label={t("organisations.serves")} hint={t("organisations.servesHint")} value={values?.servesCountries} errors={errors} dir="ltr" />
        <div className="actions">
          <SubmitButton>{t("organisations.submit")}</SubmitButton>
        </div>
      </Form>
    </StaffShell>
  );
}
