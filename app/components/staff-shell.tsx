import { Form, NavLink } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { can, type StaffIdentity } from "~/staff/permissions";

/**
 * The frame of every signed-in staff page: who is signed in, the pages their
 * role reaches (the server checks again on each), and signing out. Routes
 * using it list "staff" among their i18n namespaces.
 */
export function StaffShell({ user, children }: { user: StaffIdentity; children: React.ReactNode }) {
  const { t } = useTranslation("staff");
  const links = [
    { to: "/staff/filed", label: t("shell.nav.filed"), show: can(user, "create:case") },
    { to: "/staff/queue", label: t("shell.nav.queue"), show: can(user, "read:queue") },
    { to: "/staff/admin", label: t("shell.nav.users"), show: can(user, "manage:users") },
    { to: "/staff/admin/organisations", label: t("shell.nav.organisations"), show: can(user, "manage:organisations") },
    { to: "/staff/dashboard", label: t("shell.nav.dashboard"), show: can(user, "read:dashboard") },
    { to: "/staff/admin/providers", label: t("shell.nav.providers"), show: can(user, "manage:providers") },
    { to: "/staff/admin/api-keys", label: t("shell.nav.apiKeys"), show: can(user, "manage:apikeys") },
    { to: "/staff/admin/privacy", label: t("shell.nav.privacy"), show: can(user, "read:privacy-record") },
    { to: "/staff/account", label: t("shell.nav.account"), show: true },
  ].filter((link) => link.show);
  return (
    <div className="staff-shell">
      <div className="staff-bar">
        <nav className="staff-nav" aria-label={t("shell.navLabel")}>
          <ul>
            {links.map((link) => (
              <li key={link.to}>
                <NavLink to={link.to} end={link.to === "/staff/admin"}>
                  {link.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="staff-bar__user">
          <span>{t("shell.signedInAs", { name: user.displayName, role: t(`roles.${user.role}`) })}</span>
          <Form method="post" action="/staff/sign-out" reloadDocument>
            <button type="submit" className="button button--secondary button--small">
              {t("shell.signOut")}
            </button>
          </Form>
        </div>
      </div>
      <div className="staff-content">{children}</div>
    </div>
  );
}
