import type { ExportField, ExportSection } from "~/privacy/export.server";

/**
 * The requester's copy of their data, as a page. Every string arrives already
 * in the reader's language (the JSON download is the same document), so this
 * only lays it out. Someone's own words keep their language and direction.
 */
export function CaseExportSections({ sections }: { sections: ExportSection[] }) {
  return (
    <>
      {sections.map((section) => (
        <section key={section.id} aria-labelledby={`export-${section.id}`} className="export-section">
          <h2 id={`export-${section.id}`}>{section.title}</h2>
          {section.intro.map((line, index) => (
            <p key={index}>{line}</p>
          ))}
          {section.fields.length ? <Fields fields={section.fields} /> : null}
          {section.entries.length ? (
            section.contentNote ? (
              <>
                <p className="content-note">{section.contentNote}</p>
                <details className="disclosure">
                  <summary>{section.title}</summary>
                  <Entries section={section} />
                </details>
              </>
            ) : (
              <Entries section={section} />
            )
          ) : null}
        </section>
      ))}
    </>
  );
}

function Entries({ section }: { section: ExportSection }) {
  return (
    <ol className="export-entries">
      {section.entries.map((entry, index) => (
        <li key={index}>
          {entry.heading ? <h3>{entry.heading}</h3> : null}
          <Fields fields={entry.fields} />
        </li>
      ))}
    </ol>
  );
}

function Fields({ fields }: { fields: ExportField[] }) {
  return (
    <dl className="export-facts">
      {fields.map((field, index) => (
        <div key={index}>
          <dt>{field.label}</dt>
          <dd {...(field.lang !== undefined ? { lang: field.lang, dir: "auto" } : {})}>{field.value}</dd>
        </div>
      ))}
    </dl>
  );
}
