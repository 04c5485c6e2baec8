/** @type {import('@remix-run/dev').AppConfig} */
export default {
  // The classic compiler: *.server.ts files stay out of the browser bundle.
  serverModuleFormat: "esm",
  ignoredRouteFiles: ["**/.*", "**/*.test.*"],
  future: { v3_fetcherPersist: true, v3_relativeSplatPath: true, v3_throwAbortReason: true },
};
