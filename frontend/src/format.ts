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

// MovieLens moves a leading article to the end ("Matrix, The", "Atalante,
// L'", "Cité des enfants perdus, La"); the data keeps that form, people read
// the natural one.
const ARTICLES = [
  'The',
  'A',
  'An',
  "L'",
  'La',
  'Le',
  'Les',
  'Il',
  'Lo',
  'Gli',
  'El',
  'Los',
  'Las',
  'Un',
  'Une',
  'Una',
  'Das',
  'Der',
  'Die',
  'Det',
  'Den',
  'Ein',
  'Eine',
];
const MOVED = new RegExp(`^(.+), (${ARTICLES.join('|')})$`);

function moveArticle(text: string): string {
  const m = MOVED.exec(text);
  if (!m) return text;
  const [, rest, article] = m as unknown as [string, string, string];
  return article.endsWith("'") ? `${article}${rest}` : `${article} ${rest}`;
}

/**
 * A title as people write it: "Matrix, The" -> "The Matrix", also inside the
 * alternative titles MovieLens appends in parentheses ("City of Lost
 * Children, The (Cité des enfants perdus, La)" -> "The City of Lost
 * Children (La Cité des enfants perdus)").
 */
export function displayTitle(title: string): string {
  const m = /^(.*?)((?: \([^()]*\))*)$/.exec(title);
  if (!m || !m[1]) return moveArticle(title);
  const tail = (m[2] ?? '').replace(
    /\(([^()]*)\)/g,
    (_, inner: string) => `(${moveArticle(inner)})`,
  );
  return moveArticle(m[1]) + tail;
}
