// Display formatting shared by several pages.
import { ApiError } from './api';

export function formatMean(mean: number | null): string {
  return mean === null || Number.isNaN(mean) ? '–' : mean.toFixed(1);
}

export function formatDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

/** Shares as whole percentages; tolerant of shares given as 0-1 or 0-100. */
export function formatShare(share: number): string {
  const pct = share <= 1 ? share * 100 : share;
  return `${Math.round(pct)}%`;
}

/** IMDb title URL from a MovieLens imdbId (114709 or "tt0114709"). */
export function imdbUrl(id: number | string | null): string | null {
  if (id === null || id === '') return null;
  const digits = String(id).replace(/^tt/, '');
  if (!/^\d+$/.test(digits)) return null;
  return `https://www.imdb.com/title/tt${digits.padStart(7, '0')}/`;
}

/** The message to show for a failed request or any other error. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong.';
}
