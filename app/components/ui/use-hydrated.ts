import { useEffect, useState } from "react";

/** True once JavaScript runs in the browser: for controls that only work with it. */
export function useHydrated(): boolean {
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  return hydrated;
}
