import type { TFunction } from "i18next";
import { formatDate } from "~/components/ui/dates";
import { fallbackLanguage, isSupportedLanguage, type Language } from "~/i18n/config";
import { i18nServer } from "~/i18n/i18next.server";

/**
 * The text of a removal notice (DSA Art. 16(2)): the reasons the content is
 * illegal, its exact URL(s), a statement of good faith, and — only if the
 * caseworker chose so, as the Act does not require it for this material —
 * the sender's name. Written in a language the provider accepts where we
 * have a translation, otherwise in English. It names no victim, no case
 * reference and no item: only the notice's own reference.
 */
export interface NoticeContent {
  /** The notice's id: the provider quotes it. */
  reference: string;
  providerName: string;
  urls: string[];
  /** The sending organisation, when the notice names it. */
  senderName: string | null;
  /** Where the provider answers. */
  contact: string;
  /** First sent (for reminders). */
  firstSentAt: string;
  /** 1 for the first notice, 2 for the first reminder, … */
  sendNumber: number;
  resendIntervalMs: number;
}

/** The first language the provider accepts that we can write in, else English. */
export function noticeLanguage(providerLanguages: readonly string[]): Language {
  for (const tag of providerLanguages) {
    const primary = tag.split("-")[0].toLowerCase();
    if (isSupportedLanguage(primary)) return primary;
  }
  return fallbackLanguage;
}

export async function renderNotice(language: string, content: NoticeContent): Promise<{ subject: string; text: string }> {
  const lng = isSupportedLanguage(language) ? language : fallbackLanguage;
  const t = (await i18nServer.getFixedT(lng, "notice")) as TFunction;
  const reference = shortReference(content.reference);
  const reminder = content.sendNumber > 1;
  const hours = Math.max(1, Math.round(content.resendIntervalMs / 3_600_000));
  const subject = reminder
    ? t("subjectReminder", { reference, number: content.sendNumber - 1 })
    : t("subject", { reference });
  const lines = [
    t("greeting", { provider: content.providerName }),
    "",
    t("intro"),
    ...(reminder ? ["", t("reminderIntro", { date: formatDate(content.firstSentAt, lng), number: content.sendNumber - 1 })] : []),
    "",
    t("locationsTitle"),
    ...content.urls.map((url) => `  ${url}`),
    "",
    t("reasonsTitle"),
    t("reasons"),
    "",
    t("request"),
    "",
    t("goodFaith"),
    "",
    content.senderName ? t("senderNamed", { organisation: content.senderName }) : t("senderAnonymous"),
    t("contact", { contact: content.contact, reference }),
    "",
    t("resend", { interval: t("intervalHours", { count: hours }) }),
    t("handling"),
  ];
  return { subject, text: lines.join("\n") + "\n" };
}

/** "N-" and the first 12 hex digits of the notice's id: enough to find it, short enough to quote. */
export function shortReference(noticeId: string): string {
  return `N-${noticeId.replaceAll("-", "").slice(0, 12).toUpperCase()}`;
}
