import type { MovieSort } from '../../api';

/** Browse orders, as offered in the "Sort by" menu. */
export const SORTS: { value: MovieSort; label: string }[] = [
  { value: 'popularity', label: 'Most rated' },
  { value: 'rating', label: 'Highest rated' },
  { value: 'year', label: 'Newest' },
  { value: 'title', label: 'Title A–Z' },
];

export function sortFrom(value: string | null): MovieSort {
  return SORTS.find((s) => s.value === value)?.value ?? 'popularity';
}
