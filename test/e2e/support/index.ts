export * from "./axe";
export * from "./browser";
export * from "./fixtures";
export * from "./requests";
export * from "./screenshots";
export { QUICK_EXIT_URL, ROOT, startPortal, type PortalServer } from "./server";
export * from "./page";
export * from "./i18n";
