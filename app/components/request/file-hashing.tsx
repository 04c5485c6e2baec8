import { useCallback, useEffect, useRef, useState, type DragEvent } from "react";
import { useTranslation } from "react-i18next";
import type { BrowserHashResult } from "~/hashing/browser-hash";
import { MIN_QUALITY } from "~/hashing/pdq";
import { browserCanHash, startHashWorker, type HashWorker } from "~/hashing/worker-client";
import type { HashWorkerMessage } from "~/hashing/worker-protocol";
import { useHydrated } from "~/components/ui/use-hydrated";

/**
 * Where the no-JavaScript text sends people who want a person to help them:
 * the INHOPE network lists the hotline of each country, and hotlines help
 * victims have material removed.
 */
export const SUPPORT_DIRECTORY_URL = "https://www.inhope.org/EN";

/** The codes made from one file, as the item fields take them. */
export interface FileCodes {
  /** "HEX,quality", for images only. */
  pdq?: string;
  sha256: string;
  md5: string;
}

interface ListedFile {
  id: number;
  name: string;
  size: number;
  state: "waiting" | "hashing" | "done" | "failed";
  fraction: number;
  result?: BrowserHashResult;
}

/**
 * On-device hashing: the person picks or drops files, a Web Worker makes
 * their codes, and `onCodes` puts them in the form. The file input has no
 * name and is emptied at once, so no file can ever be submitted; files are
 * listed by name and size only, never shown. Without JavaScript it says
 * what else the person can do.
 */
export function FileHashing({ onCodes }: { onCodes: (codes: FileCodes) => void }) {
  const { t } = useTranslation("request");
  const hydrated = useHydrated();
  const [supported, setSupported] = useState(true);
  useEffect(() => setSupported(browserCanHash()), []);

  return (
    <section className="file-hashing" aria-labelledby="file-hashing-title">
      <h2 id="file-hashing-title">{t("items.files.title")}</h2>
      <noscript>
        <Unavailable reason={t("items.files.noScript")} />
      </noscript>
      {hydrated ? supported ? <Hasher onCodes={onCodes} /> : <Unavailable reason={t("items.files.unsupported")} /> : null}
    </section>
  );
}

function Unavailable({ reason }: { reason: string }) {
  const { t } = useTranslation("request");
  return (
    <div className="notice" data-testid="hashing-unavailable">
      <p>{reason}</p>
      <p>{t("items.files.otherWays")}</p>
      <p>
        {t("items.files.support")}{" "}
        <a href={SUPPORT_DIRECTORY_URL} rel="noreferrer" target="_blank">
          {t("items.files.supportLink")}
        </a>
      </p>
    </div>
  );
}

function Hasher({ onCodes }: { onCodes: (codes: FileCodes) => void }) {
  const { t, i18n } = useTranslation("request");
  const [files, setFiles] = useState<ListedFile[]>([]);
  const [broken, setBroken] = useState(false);
  const [dragging, setDragging] = useState(false);
  const worker = useRef<HashWorker | null>(null);
  const nextId = useRef(1);
  const onCodesRef = useRef(onCodes);
  onCodesRef.current = onCodes;

  const update = useCallback((id: number, change: Partial<ListedFile>) => {
    setFiles((list) => list.map((f) => (f.id === id ? { ...f, ...change } : f)));
  }, []);

  const onMessage = useCallback(
    (message: HashWorkerMessage) => {
      if (message.type === "progress") return update(message.id, { state: "hashing", fraction: message.fraction });
      if (message.type === "failed") return update(message.id, { state: "failed", fraction: 0 });
      update(message.id, { state: "done", fraction: 1, result: message.result });
      const { pdq, sha256, md5 } = message.result;
      onCodesRef.current({ pdq: pdq ? `${pdq.hash},${pdq.quality}` : undefined, sha256, md5 });
    },
    [update],
  );

  useEffect(() => () => worker.current?.terminate(), []);

  // A file dropped beside the drop zone would otherwise be opened by the
  // browser itself: shown full size, and the form lost.
  useEffect(() => {
    const block = (event: globalThis.DragEvent) => {
      if (event.dataTransfer?.types.includes("Files")) event.preventDefault();
    };
    window.addEventListener("dragover", block);
    window.addEventListener("drop", block);
    return () => {
      window.removeEventListener("dragover", block);
      window.removeEventListener("drop", block);
    };
  }, []);

  const add = (chosen: FileList | null) => {
    if (!chosen?.length) return;
    if (!worker.current) {
      worker.current = startHashWorker(onMessage, () => {
        // Its files are lost; the next files picked get a fresh worker.
        worker.current?.terminate();
        worker.current = null;
        setBroken(true);
        setFiles((list) => list.map((f) => (f.state === "waiting" || f.state === "hashing" ? { ...f, state: "failed" } : f)));
      });
    }
    const added = Array.from(chosen, (file) => ({ file, id: nextId.current++ }));
    setFiles((list) => [...list, ...added.map(({ file, id }) => ({ id, name: file.name, size: file.size, state: "waiting" as const, fraction: 0 }))]);
    for (const { file, id } of added) worker.current.hash(id, file);
    setBroken(false);
  };

  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setDragging(false);
    add(event.dataTransfer.files);
  };

  const done = files.filter((f) => f.state === "done" || f.state === "failed").length;
  const numbers = new Intl.NumberFormat(i18n.language);
  const formatSize = (bytes: number) => {
    const [value, unit] =
      bytes >= 1e9 ? [bytes / 1e9, "gigabyte"] : bytes >= 1e6 ? [bytes / 1e6, "megabyte"] : bytes >= 1e3 ? [bytes / 1e3, "kilobyte"] : [bytes, "byte"];
    return new Intl.NumberFormat(i18n.language, { style: "unit", unit, unitDisplay: "short", maximumFractionDigits: 1 }).format(value);
  };

  return (
    <div className="hasher" data-testid="file-hashing">
      <p>{t("items.files.intro")}</p>
      <p className="safety-note" data-testid="stays-on-device">
        <strong>{t("items.files.staysOnDevice")}</strong>
      </p>
      <div
        className={`drop-zone${dragging ? " drop-zone--active" : ""}`}
        onDragEnter={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragOver={(e) => {
          e.preventDefault();
          e.dataTransfer.dropEffect = "copy";
        }}
        onDragLeave={(e) => {
          if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDragging(false);
        }}
        onDrop={onDrop}
      >
        {/* No name: the browser leaves unnamed inputs out of every submission. */}
        <input
          type="file"
          multiple
          id="file-hashing-input"
          className="drop-zone__input"
          aria-describedby="file-hashing-drop"
          onChange={(event) => {
            add(event.currentTarget.files);
            event.currentTarget.value = "";
          }}
        />
        <label htmlFor="file-hashing-input" className="button button--secondary">
          {t("items.files.choose")}
        </label>
        <p id="file-hashing-drop" className="drop-zone__hint">
          {t("items.files.drop")}
        </p>
      </div>
      {broken ? (
        <p className="warning" role="alert">
          {t("items.files.broken")}
        </p>
      ) : null}
      {files.length ? (
        <ul className="file-list" aria-label={t("items.files.listLabel")}>
          {files.map((f) => (
            <li key={f.id} className="file-list__item" data-testid="hashed-file" data-state={f.state}>
              <p className="file-list__name">
                <span id={`hashed-file-${f.id}`} dir="auto">
                  {f.name}
                </span>{" "}
                <span className="file-list__size">{formatSize(f.size)}</span>
              </p>
              <progress className="file-list__progress" max={1} value={f.fraction} aria-labelledby={`hashed-file-${f.id}`} />
              <FileStatus file={f} />
            </li>
          ))}
        </ul>
      ) : null}
      {/* Always present, so screen readers announce its changes. */}
      <p role="status" className="file-hashing__summary">
        {files.length ? t("items.files.summary", { done: numbers.format(done), total: numbers.format(files.length) }) : null}
        {files.length && done === files.length ? ` ${t("items.files.allDone")}` : null}
      </p>
    </div>
  );
}

function FileStatus({ file }: { file: ListedFile }) {
  const { t, i18n } = useTranslation("request");
  if (file.state === "waiting") return <p className="file-list__status">{t("items.files.waiting")}</p>;
  if (file.state === "hashing") return <p className="file-list__status">{t("items.files.working")}</p>;
  if (file.state === "failed") return <p className="file-list__status file-list__status--failed">{t("items.files.failed")}</p>;
  const result = file.result!;
  const lowQuality = result.pdq && result.pdq.quality < MIN_QUALITY;
  return (
    <>
      <p className="file-list__status">
        {result.pdq ? t("items.files.doneImage") : result.pdqFailed ? t("items.files.doneNoPhotoCode") : t("items.files.doneFile")}
      </p>
      {lowQuality ? (
        <p className="file-list__warning" data-testid="low-quality">
          {t("items.files.lowQuality", { quality: new Intl.NumberFormat(i18n.language).format(result.pdq!.quality) })}
        </p>
      ) : null}
    </>
  );
}
