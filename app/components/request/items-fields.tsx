import { useTranslation } from "react-i18next";
import type { FieldError } from "~/cases/request";
import { TextField } from "~/components/ui/form";

/**
 * The ways to identify an item without sending it: web addresses, codes
 * (hashes) of files the person holds, and references. Used by the request
 * form and by "add items" on the status page.
 */
export function ItemsFields({ values, errors }: { values: Record<string, string>; errors: FieldError[] }) {
  const { t } = useTranslation("request");
  const hashErrors = errors.some((e) => ["pdq", "sha256", "md5"].includes(e.field));
  return (
    <>
      <TextField name="urls" multiline rows={5} label={t("items.urls")} hint={t("items.urlsHint")} value={values.urls} errors={errors} dir="ltr" />
      <details className="disclosure" open={hashErrors || Boolean(values.pdq || values.sha256 || values.md5)}>
        <summary>{t("items.hashesTitle")}</summary>
        <p>{t("items.hashesIntro")}</p>
        <TextField name="pdq" multiline label={t("items.pdq")} hint={t("items.pdqHint")} value={values.pdq} errors={errors} dir="ltr" />
        <TextField name="sha256" multiline label={t("items.sha256")} hint={t("items.sha256Hint")} value={values.sha256} errors={errors} dir="ltr" />
        <TextField name="md5" multiline label={t("items.md5")} hint={t("items.md5Hint")} value={values.md5} errors={errors} dir="ltr" />
      </details>
      <TextField name="references" multiline rows={3} label={t("items.references")} hint={t("items.referencesHint")} value={values.references} errors={errors} />
    </>
  );
}
