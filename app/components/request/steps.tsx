import { useSearchParams } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { REQUESTER_RELATIONS, WANTS, type FieldError, type RequestDraft, type RequestStep } from "~/cases/request";
import { countryName } from "~/cases/countries";
import { ErrorSummary, RadioGroup, SelectField, SubmitButton, TextField } from "~/components/ui/form";
import { ItemsFields } from "./items-fields";
import { formatDate } from "~/components/ui/dates";

interface StepProps {
  step: RequestStep;
  title: string;
  values: Record<string, string>;
  errors: FieldError[];
  draft: RequestDraft;
  countries: { code: string; name: string }[];
  review: { route: "eu" | "voluntary"; organisationName: string; dueAt: string } | null;
}

/** One question per screen; each step's fields, with the continue button. */
export function StepForm({ step, title, values, errors, draft, countries, review }: StepProps) {
  const { t, i18n } = useTranslation("request");
  const [searchParams] = useSearchParams();
  const returnTo = searchParams.get("returnTo") === "review" ? "review" : null;

  const body = (() => {
    switch (step) {
      case "who":
        return (
          <>
            <RadioGroup
              name="relation"
              asHeading
              legend={title}
              value={values.relation}
              errors={errors}
              options={REQUESTER_RELATIONS.map((r) => ({ value: r, label: t(`who.options.${r}`), hint: t(`who.hints.${r}`) }))}
            />
            <p className="note">{t("who.supportWorkers")}</p>
          </>
        );
      case "where":
        return (
          <SelectField
            name="country"
            asHeading
            label={title}
            hint={t("where.hint")}
            prompt={t("where.prompt")}
            value={values.country}
            errors={errors}
            options={countries.map((c) => ({ value: c.code, label: c.name }))}
          />
        );
      case "what":
        return (
          <RadioGroup
            name="wants"
            asHeading
            legend={title}
            value={values.wants}
            errors={errors}
            options={WANTS.map((w) => ({ value: w, label: t(`what.options.${w}`), hint: t(`what.hints.${w}`) }))}
          />
        );
      case "items":
        return (
          <>
            <h1>{title}</h1>
            <p>{t("items.intro")}</p>
            <p className="safety-note">{t("items.neverImages")}</p>
            <ItemsFields values={values} errors={errors} />
          </>
        );
      case "detail":
        return (
          <RadioGroup
            name="disclosure"
            asHeading
            legend={title}
            hint={t("detail.hint")}
            value={values.disclosure}
            errors={errors}
            options={(["outcome", "summary", "full"] as const).map((d) => ({ value: d, label: t(`detail.options.${d}`), hint: t(`detail.hints.${d}`) }))}
          />
        );
      case "contact":
        return (
          <>
            <RadioGroup
              name="contactMethod"
              asHeading
              legend={title}
              hint={t("contact.hint")}
              value={values.contactMethod ?? "none"}
              errors={errors}
              options={(["none", "email", "organisation"] as const).map((c) => ({ value: c, label: t(`contact.options.${c}`), hint: t(`contact.hints.${c}`) }))}
            />
            <TextField name="email" type="email" label={t("contact.email")} hint={t("contact.emailHint")} value={values.email} errors={errors} dir="ltr" />
            <TextField name="organisation" label={t("contact.organisation")} hint={t("contact.organisationHint")} value={values.organisation} errors={errors} />
          </>
        );
      case "review":
        return <Review draft={draft} review={review} language={i18n.language} />;
    }
  })();

  return (
    <>
      <ErrorSummary errors={errors} />
      {body}
      {returnTo ? <input type="hidden" name="returnTo" value="review" /> : null}
      <div className="actions">
        <SubmitButton>{step === "review" ? t("review.send") : t("continue")}</SubmitButton>
      </div>
    </>
  );
}

function Review({ draft, review, language }: { draft: RequestDraft; review: StepProps["review"]; language: string }) {
  const { t } = useTranslation("request");
  const itemCounts = countItems(draft);
  const rows: { step: RequestStep; label: string; value: string }[] = [
    { step: "who", label: t("review.who"), value: draft.who ? t(`who.options.${draft.who.relation}`) : "" },
    { step: "where", label: t("review.where"), value: draft.where ? countryName(draft.where.country, language) : "" },
    { step: "what", label: t("review.what"), value: draft.what ? t(`what.options.${draft.what.wants}`) : "" },
    {
      step: "items",
      label: t("review.items"),
      value: Object.entries(itemCounts)
        .filter(([, n]) => n > 0)
        .map(([kind, n]) => t(`review.itemCount.${kind}`, { count: n }))
        .join(", "),
    },
    { step: "detail", label: t("review.detail"), value: draft.detail ? t(`detail.options.${draft.detail.disclosure}`) : "" },
    {
      step: "contact",
      label: t("review.contact"),
      value: draft.contact
        ? draft.contact.contactMethod === "email"
          ? `${t("contact.options.email")}: ${draft.contact.email}`
          : draft.contact.contactMethod === "organisation"
            ? `${t("contact.options.organisation")}: ${draft.contact.organisation}`
            : t("contact.options.none")
        : "",
    },
  ];
  return (
    <>
      <h1>{t("steps.review.title")}</h1>
      <dl className="summary-list">
        {rows.map((row) => (
          <div className="summary-list__row" key={row.step}>
            <dt>{row.label}</dt>
            <dd>{row.value}</dd>
            <dd className="summary-list__action">
              <a href={`/request/${row.step}?returnTo=review`}>
                {t("review.change")}
                <span className="visually-hidden"> {row.label}</span>
              </a>
            </dd>
          </div>
        ))}
      </dl>
      {review ? (
        <section aria-labelledby="next-title">
          <h2 id="next-title">{t("review.nextTitle")}</h2>
          <p>{t(`route.${review.route}`, { organisation: review.organisationName })}</p>
          <p>{t("review.nextDue", { date: formatDate(review.dueAt, language) })}</p>
          <p>{t("review.nextReceipt")}</p>
        </section>
      ) : null}
    </>
  );
}

function countItems(draft: RequestDraft) {
  const count = (text?: string) => (text ?? "").split(/\r?\n/).filter((l) => l.trim()).length;
  const items = draft.items;
  return {
    url: count(items?.urls),
    pdq: count(items?.pdq),
    sha256: count(items?.sha256),
    md5: count(items?.md5),
    reference: count(items?.references),
  };
}
