import { useEffect, useId, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { api, type MovieSort } from '../../api';
import { SORTS, sortFrom } from './sorts';
import { GridItem, MovieCard, MovieGrid } from '../../components/MovieCard';
import { Pager } from '../../components/Pager';
import { EmptyState, ErrorMessage, Loading } from '../../components/Status';
import { useAsync } from '../../hooks/useAsync';
import { useDebounced } from '../../hooks/useDebounced';

const PAGE_SIZE = 24;
/** The server's limit on `query` (longer ones are refused with 400). */
export const MAX_QUERY = 200;

export function BrowsePage() {
  // Query, genre and page live in the URL so Back and reload keep them.
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const genre = params.get('genre') ?? '';
  const page = Math.max(1, Number(params.get('page')) || 1);
  const sort = sortFrom(params.get('sort'));
  const [text, setText] = useState(q);
  // Follow the URL when it changes from outside (Back/Forward, a link with ?q=),
  // but not when it merely caught up with what is being typed ("toy " vs "toy").
  const [lastQ, setLastQ] = useState(q);
  if (q !== lastQ) {
    setLastQ(q);
    if (q !== text.trim()) setText(q);
  }
  const debounced = useDebounced(text, 300);
  const ids = { q: useId(), genre: useId(), sort: useId(), error: useId() };

  const genres = useAsync((signal) => api.genres({ signal }), []);
  // Checked here, with a message people can act on, before the server
  // refuses it (a pasted paragraph, an edited URL).
  const tooLong = text.trim().length > MAX_QUERY || q.length > MAX_QUERY;
  const movies = useAsync(
    (signal) =>
      q.length > MAX_QUERY
        ? Promise.resolve(undefined)
        : api.movies(
            {
              query: q,
              genre,
              sort: sort === 'popularity' ? undefined : sort,
              page,
              page_size: PAGE_SIZE,
            },
            { signal },
          ),
    [q, genre, sort, page],
  );

  useEffect(() => {
    document.title = 'Browse · recsys';
  }, []);

  function update(next: { q?: string; genre?: string; sort?: MovieSort; page?: number }) {
    const merged = { q, genre, sort, page, ...next };
    const out = new URLSearchParams();
    if (merged.q) out.set('q', merged.q);
    if (merged.genre) out.set('genre', merged.genre);
    if (merged.sort !== 'popularity') out.set('sort', merged.sort);
    if (merged.page > 1) out.set('page', String(merged.page));
    setParams(out, { replace: next.page === undefined });
  }

  useEffect(() => {
    if (debounced.trim().length > MAX_QUERY) return;
    if (debounced.trim() !== q) update({ q: debounced.trim(), page: 1 });
    // Only the debounced text should trigger this.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [debounced]);

  function onPage(p: number) {
    update({ page: p });
    window.scrollTo({ top: 0 });
  }

  return (
    <div className="page browse-page">
      <header className="page-header">
        <h1>Browse movies</h1>
      </header>
      <form
        className="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          if (!tooLong) update({ q: text.trim(), page: 1 });
        }}
      >
        <div className="field field-grow">
          <label htmlFor={ids.q}>Search titles</label>
          <input
            id={ids.q}
            type="search"
            placeholder="e.g. Toy Story"
            value={text}
            onChange={(e) => setText(e.target.value)}
            aria-invalid={tooLong || undefined}
            aria-describedby={tooLong ? ids.error : undefined}
          />
          {tooLong && (
            <p id={ids.error} className="field-error" role="alert">
              Search text can be at most {MAX_QUERY} characters (this is{' '}
              {text.trim().length > MAX_QUERY ? text.trim().length : q.length}). Try a few words of
              the title.
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor={ids.genre}>Genre</label>
          <select
            id={ids.genre}
            value={genre}
            onChange={(e) => update({ genre: e.target.value, page: 1 })}
          >
            <option value="">All genres</option>
            {(genres.data?.genres ?? []).map((g) => (
              <option key={g} value={g}>
                {g}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.sort}>Sort by</label>
          <select
            id={ids.sort}
            value={sort}
            onChange={(e) => update({ sort: sortFrom(e.target.value), page: 1 })}
          >
            {SORTS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
      </form>

      {movies.error && <ErrorMessage error={movies.error} onRetry={() => movies.reload()} />}
      {movies.loading && !movies.data && <Loading label="Loading movies…" />}
      {movies.data && !tooLong && (
        // aria-busy while a newer query loads: the list shown is the previous one.
        <section className="results" aria-busy={movies.loading} aria-label="Results">
          <p className="result-count" aria-live="polite">
            {movies.data.total.toLocaleString()} {movies.data.total === 1 ? 'movie' : 'movies'}
            {q ? ` matching “${q}”` : ''}
            {genre ? ` in ${genre}` : ''}
            {movies.loading ? ' · updating…' : ''}
          </p>
          {movies.data.movies.length === 0 ? (
            <EmptyState title="No movies found">
              <p>Try a shorter title or another genre.</p>
            </EmptyState>
          ) : (
            <MovieGrid label="Movies">
              {movies.data.movies.map((m) => (
                <GridItem key={m.id}>
                  <MovieCard movie={m} actions />
                </GridItem>
              ))}
            </MovieGrid>
          )}
          <Pager
            page={movies.data.page}
            pageSize={movies.data.page_size || PAGE_SIZE}
            total={movies.data.total}
            onPage={onPage}
          />
        </section>
      )}
    </div>
  );
}
