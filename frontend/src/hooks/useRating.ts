import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../api';

export interface RatingState {
  value: number | null;
  set: (value: number) => void;
  clear: () => void;
  saving: boolean;
  /** The last change reached the server (cleared by the next change). */
  saved: boolean;
  error: Error | null;
}

const SAVE_DELAY_MS = 350;

/**
 * Optimistic rating for one movie. Changes show at once; the save waits until
 * the value stops changing (arrow-key presses) and requests run one at a time,
 * so the server always ends with the last value the user chose.
 */
export function useRating(
  movieId: number,
  initial: number | null,
  onSaved?: (value: number | null) => void,
): RatingState {
  const [value, setValue] = useState<number | null>(initial);
  const [saving, setSaving] = useState(false);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const wanted = useRef<number | null>(initial);
  const saved = useRef<number | null>(initial);
  const timer = useRef<number | undefined>(undefined);
  const running = useRef(false);
  const onSavedRef = useRef(onSaved);
  // Callers key the component by movie, so `initial` is only read on mount.
  useEffect(() => {
    onSavedRef.current = onSaved;
  });

  useEffect(() => () => window.clearTimeout(timer.current), []);

  const flush = useCallback(async () => {
    if (running.current) return;
    running.current = true;
    setSaving(true);
    try {
      while (wanted.current !== saved.current) {
        const target = wanted.current;
        if (target === null) await api.unrate(movieId);
        else await api.rate(movieId, target);
        saved.current = target;
      }
      setError(null);
      setDone(true);
      onSavedRef.current?.(saved.current);
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
      // Show what the server really has.
      wanted.current = saved.current;
      setValue(saved.current);
    } finally {
      running.current = false;
      setSaving(false);
    }
  }, [movieId]);

  const schedule = useCallback(
    (next: number | null) => {
      wanted.current = next;
      setValue(next);
      setDone(false);
      window.clearTimeout(timer.current);
      timer.current = window.setTimeout(() => void flush(), SAVE_DELAY_MS);
    },
    [flush],
  );

  return {
    value,
    set: useCallback((v: number) => schedule(v), [schedule]),
    clear: useCallback(() => schedule(null), [schedule]),
    saving,
    saved: done,
    error,
  };
}
