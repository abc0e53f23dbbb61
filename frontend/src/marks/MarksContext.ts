import { createContext, useContext } from 'react';

/** The user's own marks on films, for labelling and acting on any card. */
export interface MarksValue {
  /** False until GET /api/me/marks answered (cards then start their stars from it). */
  loaded: boolean;
  rating: (movieId: number) => number | null;
  /** Records a rating saved elsewhere (the card's own control saves it). */
  rated: (movieId: number, value: number | null) => void;
  onWatchlist: (movieId: number) => boolean;
  isHidden: (movieId: number) => boolean;
  /** Optimistic; reverts and rethrows when the server refuses. */
  setWatchlist: (movieId: number, on: boolean) => Promise<void>;
  setHidden: (movieId: number, on: boolean) => Promise<void>;
}

export const MarksContext = createContext<MarksValue | null>(null);

/** Marks, or null outside a <MarksProvider> (cards then show no personal actions). */
export function useMarks(): MarksValue | null {
  return useContext(MarksContext);
}
