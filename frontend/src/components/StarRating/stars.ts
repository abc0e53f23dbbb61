export const MIN_RATING = 0.5;
export const MAX_RATING = 5;
export const STEP = 0.5;

export function clampRating(v: number): number {
  return Math.min(MAX_RATING, Math.max(MIN_RATING, Math.round(v / STEP) * STEP));
}

export function describeRating(value: number | null): string {
  if (value === null) return 'Not rated';
  return `${value} star${value === 1 ? '' : 's'} out of ${MAX_RATING}`;
}

/** Fill of star `index` (1-based) for `value`: 0, 0.5 or 1. */
export function starFill(value: number | null, index: number): number {
  if (value === null) return 0;
  if (value >= index) return 1;
  if (value >= index - 0.5) return 0.5;
  return 0;
}
