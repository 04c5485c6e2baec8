import { Form, NavLink } from "@remix-run/react";
import { useTranslation } from "react-i18next";

/** The signed-in requester's pages, and signing out. */
export function CaseNav({ closed, unread = 0 }: { closed: boolean; unread?: number }) {
  const { t } = useTranslation("case");
  const links = [
    { to: "/case/status", label: t("nav.status") },
    ...(closed ? [] : [{ to: "/case/items", label: t("nav.items") }]),
    { to: "/case/messages", label: unread ? t("nav.messagesUnread", { count: unread }) : t("nav.messages") },
    { to: "/case/preferences", label: t("nav.preferences") },
    ...(closed ? [] : [{ to: "/case/withdraw", label: t("nav.withdraw") }]),
    { to: "/case/export", label: t("nav.export") },
    { to: "/case/erase", label: t("nav.erase") },
  ];
  return (
    <nav className="case-nav" aria-label={t("nav.label")}>
      <ul>
        {links.map((link) => (
          <li key={link.to}>
            <NavLink to={link.to} end>
              {link.label}
            </NavLink>
          </li>
        ))}
      </ul>
      <Form method="post" action="/case/sign-out" reloadDocument>
        <button type="submit" className="button button--secondary button--small">
          {t("nav.signOut")}
        </button>
      </Form>
    </nav>
  );
}
