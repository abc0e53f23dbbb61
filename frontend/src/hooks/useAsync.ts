import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react';

export interface AsyncState<T> {
  data: T | undefined;
  error: Error | null;
  loading: boolean;
  /** Runs the loader again; `silent` keeps the current data on screen (polling). */
  reload: (silent?: boolean) => void;
}

/**
 * Runs `load` whenever `deps` change, aborting the previous run so a slow
 * response for an old query can never overwrite a newer one.
 */
export function useAsync<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: DependencyList,
): AsyncState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const silentRef = useRef(false);
  const loadRef = useRef(load);
  // Declared before the loading effect, so it runs first and the loader is current.
  useEffect(() => {
    loadRef.current = load;
  });

  useEffect(() => {
    const controller = new AbortController();
    if (!silentRef.current) setLoading(true);
    silentRef.current = false;
    loadRef
      .current(controller.signal)
      .then((value) => {
        if (controller.signal.aborted) return;
        setData(value);
        setError(null);
        setLoading(false);
      })
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        setError(err instanceof Error ? err : new Error(String(err)));
        setLoading(false);
      });
    return () => controller.abort();
    // The caller's deps decide when to reload; `load` itself is read through a ref.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);

  const reload = useCallback((silent = false) => {
    silentRef.current = silent;
    setTick((t) => t + 1);
  }, []);

  return { data, error, loading, reload };
}
