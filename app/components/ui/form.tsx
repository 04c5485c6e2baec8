import { useNavigation } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import type { FieldError } from "~/cases/request";

/**
 * Form primitives in the GOV.UK pattern: an error summary at the top that
 * links to each field, and the error again beside its field. They work
 * without JavaScript; with it, the summary takes focus so it is announced.
 */
export function ErrorSummary({ errors }: { errors: FieldError[] }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (errors.length) ref.current?.focus();
  }, [errors]);
  if (!errors.length) return null;
  return (
    <div className="error-summary" role="alert" aria-labelledby="error-summary-title" tabIndex={-1} ref={ref}>
      <h2 id="error-summary-title">{t("form.errorSummaryTitle")}</h2>
      <ul>
        {errors.map((error, index) => (
          <li key={`${error.field}-${index}`}>
            <a href={`#${fieldId(error.field)}`}>{t(error.key, error.params)}</a>
          </li>
        ))}
      </ul>
    </div>
  );
}

export const fieldId = (name: string) => `field-${name}`;

function FieldErrors({ name, errors }: { name: string; errors?: FieldError[] }) {
  const { t } = useTranslation();
  const mine = errors?.filter((e) => e.field === name) ?? [];
  if (!mine.length) return null;
  return (
    <p className="field-error" id={`${fieldId(name)}-error`}>
      <span className="visually-hidden">{t("form.errorPrefix")} </span>
      {mine.map((e) => t(e.key, e.params)).join(" ")}
    </p>
  );
}

const describedBy = (name: string, hint: boolean, errors?: FieldError[]) =>
  [hint ? `${fieldId(name)}-hint` : null, errors?.some((e) => e.field === name) ? `${fieldId(name)}-error` : null]
    .filter(Boolean)
    .join(" ") || undefined;

export function RadioGroup({
  name,
  legend,
  hint,
  options,
  value,
  errors,
  asHeading = false,
}: {
  name: string;
  legend: string;
  hint?: string;
  options: { value: string; label: string; hint?: string }[];
  value?: string;
  errors?: FieldError[];
  /** The question is the page's heading (one question per page). */
  asHeading?: boolean;
}) {
  const invalid = errors?.some((e) => e.field === name);
  return (
    <fieldset className={`field${invalid ? " field--invalid" : ""}`} aria-describedby={describedBy(name, Boolean(hint), errors)}>
      <legend className="field__legend">{asHeading ? <h1>{legend}</h1> : legend}</legend>
      {hint ? (
        <p className="field__hint" id={`${fieldId(name)}-hint`}>
          {hint}
        </p>
      ) : null}
      <FieldErrors name={name} errors={errors} />
      <div className="radios">
        {options.map((option, index) => {
          const id = index === 0 ? fieldId(name) : `${fieldId(name)}-${option.value}`;
          return (
            <div className="radio" key={option.value}>
              <input type="radio" id={id} name={name} value={option.value} defaultChecked={value === option.value} />
              <label htmlFor={id}>
                {option.label}
                {option.hint ? <span className="radio__hint">{option.hint}</span> : null}
              </label>
            </div>
          );
        })}
      </div>
    </fieldset>
  );
}

export function TextField({
  name,
  label,
  hint,
  value,
  errors,
  multiline = false,
  type = "text",
  autoComplete = "off",
  rows = 4,
  dir,
}: {
  name: string;
  label: string;
  hint?: string;
  value?: string;
  errors?: FieldError[];
  multiline?: boolean;
  type?: "text" | "email" | "password";
  autoComplete?: string;
  rows?: number;
  dir?: "ltr" | "rtl" | "auto";
}) {
  const invalid = errors?.some((e) => e.field === name);
  const common = {
    id: fieldId(name),
    name,
    defaultValue: value,
    "aria-describedby": describedBy(name, Boolean(hint), errors),
    "aria-invalid": invalid || undefined,
    autoComplete,
    spellCheck: false,
    dir,
  };
  return (
    <div className={`field${invalid ? " field--invalid" : ""}`}>
      <label className="field__label" htmlFor={fieldId(name)}>
        {label}
      </label>
      {hint ? (
        <p className="field__hint" id={`${fieldId(name)}-hint`}>
          {hint}
        </p>
      ) : null}
      <FieldErrors name={name} errors={errors} />
      {multiline ? <textarea rows={rows} {...common} /> : <input type={type} {...common} />}
    </div>
  );
}

export function SelectField({
  name,
  label,
  hint,
  options,
  value,
  prompt,
  errors,
  asHeading = false,
}: {
  name: string;
  label: string;
  hint?: string;
  options: { value: string; label: string }[];
  value?: string;
  /** The empty first option, asking the person to choose. */
  prompt: string;
  errors?: FieldError[];
  asHeading?: boolean;
}) {
  const invalid = errors?.some((e) => e.field === name);
  const labelElement = (
    <label className="field__label" htmlFor={fieldId(name)}>
      {label}
    </label>
  );
  return (
    <div className={`field${invalid ? " field--invalid" : ""}`}>
      {asHeading ? <h1>{labelElement}</h1> : labelElement}
      {hint ? (
        <p className="field__hint" id={`${fieldId(name)}-hint`}>
          {hint}
        </p>
      ) : null}
      <FieldErrors name={name} errors={errors} />
      <select
        id={fieldId(name)}
        name={name}
        defaultValue={value ?? ""}
        aria-describedby={describedBy(name, Boolean(hint), errors)}
        aria-invalid={invalid || undefined}
      >
        <option value="">{prompt}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** While a submission is under way (with JavaScript) the button is disabled, so a double click sends once. */
export function SubmitButton({
  children,
  name,
  value,
  variant = "primary",
}: {
  children: React.ReactNode;
  name?: string;
  value?: string;
  variant?: "primary" | "secondary" | "warning";
}) {
  const navigation = useNavigation();
  return (
    <button type="submit" name={name} value={value} className={`button button--${variant}`} disabled={navigation.state === "submitting"}>
      {children}
    </button>
  );
}
