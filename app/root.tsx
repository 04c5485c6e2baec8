import { json, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import {
  isRouteErrorResponse,
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  useLoaderData,
  useLocation,
  useRouteError,
  useRouteLoaderData,
} from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { useChangeLanguage } from "remix-i18next/react";
import { PageShell } from "./components/page-shell";
import { QuickExitScript } from "./components/quick-exit";
import { useNonce } from "./components/nonce";
import { isSupportedLanguage, languageDirection, supportedLanguages } from "./i18n/config";
import { i18nServer, languageCookie } from "./i18n/i18next.server";
import stylesheet from "./styles/app.css";

export const handle = { i18n: "common" };

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: stylesheet },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const locale = await i18nServer.getLocale(request);
  const t = await i18nServer.getFixedT(locale, "common");
  const chosen = new URL(request.url).searchParams.get("lng");
  const headers = new Headers();
  // A choice made with the language picker sticks for the rest of the visit.
  if (isSupportedLanguage(chosen)) headers.append("Set-Cookie", await languageCookie.serialize(chosen));
  return json(
    {
      locale,
      dir: languageDirection(locale),
      languages: [...supportedLanguages],
      quickExitUrl: context.env.QUICK_EXIT_URL,
      siteName: t("site.name"),
    },
    { headers },
  );
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.siteName ?? "Reclaim" }];

export function Layout({ children }: { children: React.ReactNode }) {
  const data = useRouteLoaderData<typeof loader>("root");
  const nonce = useNonce();
  return (
    <html lang={data?.locale ?? "en"} dir={data?.dir ?? "ltr"}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {/* Nothing about this visit should reach another site. */}
        <meta name="referrer" content="no-referrer" />
        <QuickExitScript />
        <Meta />
        <Links />
      </head>
      <body>
        {children}
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  const { locale, languages, quickExitUrl } = useLoaderData<typeof loader>();
  useChangeLanguage(locale);
  // The quick exit is for people asking for help; staff pages do without it.
  const staffPage = useLocation().pathname.startsWith("/staff");
  return (
    <PageShell locale={locale} languages={languages} quickExitUrl={staffPage ? undefined : quickExitUrl}>
      <Outlet />
    </PageShell>
  );
}

export function ErrorBoundary() {
  const error = useRouteError();
  const data = useRouteLoaderData<typeof loader>("root");
  const { t } = useTranslation();
  useChangeLanguage(data?.locale ?? "en");
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const [title, body] =
    status === 404
      ? [t("error.notFoundTitle"), t("error.notFoundBody")]
      : status === 403
        ? [t("error.forbiddenTitle"), t("error.forbiddenBody")]
        : [t("error.title"), t("error.body")];
  return (
    <PageShell locale={data?.locale ?? "en"} languages={data?.languages ?? []} quickExitUrl={data?.quickExitUrl}>
      <h1>{title}</h1>
      <p>{body}</p>
      <p>
        <a href="/">{t("error.home")}</a>
      </p>
    </PageShell>
  );
}
