/**
 * Any address no other route matches. Without this route Remix would render
 * the 404 without running the root loader, so the page would lose its quick
 * exit, its language picker and its language; with it, the root loader runs
 * and the root error boundary shows the 404 in the full shell.
 */
export const handle = { i18n: "common" };

export function loader() {
  throw new Response(null, { status: 404 });
}

export default function NotFound() {
  return null;
}
