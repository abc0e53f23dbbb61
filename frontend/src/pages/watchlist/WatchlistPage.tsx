import { useEffect } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { api } from '../../api';
import { GridItem, MovieCard, MovieGrid } from '../../components/MovieCard';
import { Pager } from '../../components/Pager';
import { EmptyState, ErrorMessage, Loading } from '../../components/Status';
import { useAsync } from '../../hooks/useAsync';

const PAGE_SIZE = 24;

/** Films saved for later, newest first; "✓ Watchlist" on a card takes one off. */
export function WatchlistPage() {
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get('page')) || 1);
  const list = useAsync(
    (signal) => api.watchlist({ page, page_size: PAGE_SIZE }, { signal }),
    [page],
  );

  useEffect(() => {
    document.title = 'Watchlist · recsys';
  }, []);

  return (
    <div className="page watchlist-page">
      <header className="page-header">
        <div>
          <h1>Watchlist</h1>
          {list.data && (
            <p className="page-lede">
              {list.data.total.toLocaleString()} {list.data.total === 1 ? 'film' : 'films'} saved
              for later, newest first.
            </p>
          )}
        </div>
      </header>
      {list.loading && !list.data && <Loading label="Loading your watchlist…" />}
      {list.error && <ErrorMessage error={list.error} onRetry={() => list.reload()} />}
      {list.data && list.data.items.length === 0 && (
        <EmptyState title="Nothing saved yet">
          <p>
            Use <strong>+ Watchlist</strong> on any film while you <Link to="/browse">browse</Link>{' '}
            or look at your <Link to="/recommendations">recommendations</Link>.
          </p>
        </EmptyState>
      )}
      {list.data && list.data.items.length > 0 && (
        <>
          <MovieGrid label="Watchlist">
            {list.data.items.map(({ movie }) => (
              <GridItem key={movie.id}>
                <MovieCard movie={movie} actions />
              </GridItem>
            ))}
          </MovieGrid>
          <Pager
            page={list.data.page}
            pageSize={list.data.page_size || PAGE_SIZE}
            total={list.data.total}
            onPage={(p) => setParams(p > 1 ? { page: String(p) } : {})}
          />
        </>
      )}
    </div>
  );
}
