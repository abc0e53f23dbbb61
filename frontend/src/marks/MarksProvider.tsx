import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api } from '../api';
import { MarksContext, type MarksValue } from './MarksContext';

interface State {
  loaded: boolean;
  ratings: Map<number, number>;
  hidden: Set<number>;
  watchlist: Set<number>;
}

function toggled(set: Set<number>, id: number, on: boolean): Set<number> {
  const next = new Set(set);
  if (on) next.add(id);
  else next.delete(id);
  return next;
}

/** Loads GET /api/me/marks once per session and keeps it current as the user acts. */
export function MarksProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<State>({
    loaded: false,
    ratings: new Map(),
    hidden: new Set(),
    watchlist: new Set(),
  });

  useEffect(() => {
    const controller = new AbortController();
    api
      .marks({ signal: controller.signal })
      .then((m) =>
        setState({
          loaded: true,
          ratings: new Map(Object.entries(m.ratings).map(([id, r]) => [Number(id), r])),
          hidden: new Set(m.hidden),
          watchlist: new Set(m.watchlist),
        }),
      )
      // Without marks cards still work; they just start unrated.
      .catch(() => !controller.signal.aborted && setState((s) => ({ ...s, loaded: true })));
    return () => controller.abort();
  }, []);

  const rated = useCallback((id: number, value: number | null) => {
    setState((s) => {
      const ratings = new Map(s.ratings);
      if (value === null) ratings.delete(id);
      else ratings.set(id, value);
      return { ...s, ratings };
    });
  }, []);

  const setList = useCallback(async (list: 'hidden' | 'watchlist', id: number, on: boolean) => {
    setState((s) => ({ ...s, [list]: toggled(s[list], id, on) }));
    try {
      if (list === 'hidden') await (on ? api.hide(id) : api.unhide(id));
      else await (on ? api.watch(id) : api.unwatch(id));
    } catch (err) {
      setState((s) => ({ ...s, [list]: toggled(s[list], id, !on) }));
      throw err;
    }
  }, []);

  const value = useMemo<MarksValue>(
    () => ({
      loaded: state.loaded,
      rating: (id) => state.ratings.get(id) ?? null,
      rated,
      onWatchlist: (id) => state.watchlist.has(id),
      isHidden: (id) => state.hidden.has(id),
      setWatchlist: (id, on) => setList('watchlist', id, on),
      setHidden: (id, on) => setList('hidden', id, on),
    }),
    [state, rated, setList],
  );
  return <MarksContext.Provider value={value}>{children}</MarksContext.Provider>;
}
