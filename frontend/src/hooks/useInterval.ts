import { useEffect, useRef } from 'react';

/** Calls `callback` every `ms` while the tab is visible (no polling in background tabs). */
export function useInterval(callback: () => void, ms: number | null): void {
  const saved = useRef(callback);
  useEffect(() => {
    saved.current = callback;
  }, [callback]);

  useEffect(() => {
    if (ms === null) return;
    const id = window.setInterval(() => {
      if (document.visibilityState !== 'hidden') saved.current();
    }, ms);
    return () => window.clearInterval(id);
  }, [ms]);
}
