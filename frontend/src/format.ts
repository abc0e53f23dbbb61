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

/** The message to show for a failed request or any other error. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong.';
}
