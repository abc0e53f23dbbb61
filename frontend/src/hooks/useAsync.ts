import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react';

export interface AsyncState<T> {
  /** The latest result; while a new one loads this is the previous (stale) one. */
  data: T | undefined;
  error: Error | null;
  /** True from the very render in which `deps` change until their result arrives. */
  loading: boolean;
  /** Runs the loader again; `silent` keeps `loading` false (background polling). */
  reload: (silent?: boolean) => void;
}

interface Settled<T> {
  data: T | undefined;
  error: Error | null;
  /** The deps key the data/error belong to. */
  key: string | null;
  pending: boolean;
}

/**
 * Runs `load` whenever `deps` (primitives) change, aborting the previous run so
 * a slow response for an old query can never overwrite a newer one.
 */
export function useAsync<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: DependencyList,
): AsyncState<T> {
  const key = JSON.stringify(deps);
  const [state, setState] = useState<Settled<T>>({
    data: undefined,
    error: null,
    key: null,
    pending: true,
  });
  const [tick, setTick] = useState(0);
  const silentRef = useRef(false);
  const loadRef = useRef(load);
  // Declared before the loading effect, so it runs first and the loader is current.
  useEffect(() => {
    loadRef.current = load;
  });

  useEffect(() => {
    const controller = new AbortController();
    const silent = silentRef.current;
    silentRef.current = false;
    if (!silent) setState((s) => (s.pending ? s : { ...s, pending: true }));
    loadRef
      .current(controller.signal)
      .then((value) => {
        if (!controller.signal.aborted) setState({ data: value, error: null, key, pending: false });
      })
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        const error = err instanceof Error ? err : new Error(String(err));
        setState((s) => ({ data: s.data, error, key, pending: false }));
      });
    return () => controller.abort();
  }, [key, tick]);

  const reload = useCallback((silent = false) => {
    silentRef.current = silent;
    setTick((t) => t + 1);
  }, []);

  const current = state.key === key;
  return {
    data: state.data,
    error: current ? state.error : null,
    // Without the key check there is one render with new deps, old data and loading=false.
    loading: state.pending || !current,
    reload,
  };
}
