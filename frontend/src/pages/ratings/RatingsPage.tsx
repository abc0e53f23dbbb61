import { useEffect } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { api } from '../../api';
import { useAuth } from '../../auth/AuthContext';
import { Poster } from '../../components/MovieCard';
import { Pager } from '../../components/Pager';
import { StarRating } from '../../components/StarRating/StarRating';
import { EmptyState, ErrorMessage, Loading } from '../../components/Status';
import { displayTitle, formatDate } from '../../format';
import { useAsync } from '../../hooks/useAsync';
import { HiddenList } from './HiddenList';
import './RatingsPage.css';

const PAGE_SIZE = 20;

export function RatingsPage() {
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get('page')) || 1);
  const ratings = useAsync(
    (signal) => api.ratings({ page, page_size: PAGE_SIZE }, { signal }),
    [page],
  );
  const { user, deleteAccount } = useAuth();
  const navigate = useNavigate();

  useEffect(() => {
    document.title = 'My ratings · recsys';
  }, []);

  async function onDelete() {
    if (!window.confirm('Delete your account and all your ratings? This cannot be undone.')) return;
    await deleteAccount();
    navigate('/login', { replace: true });
  }

  return (
    <div className="page ratings-page">
      <header className="page-header">
        <div>
          <h1>My ratings</h1>
          {ratings.data && (
            <p className="page-lede">
              {ratings.data.total.toLocaleString()} {ratings.data.total === 1 ? 'movie' : 'movies'}{' '}
              rated, newest first.
            </p>
          )}
        </div>
      </header>
      {ratings.loading && !ratings.data && <Loading label="Loading your ratings…" />}
      {ratings.error && <ErrorMessage error={ratings.error} onRetry={() => ratings.reload()} />}
      {ratings.data && ratings.data.ratings.length === 0 && (
        <EmptyState title="You have not rated anything yet">
          <p>
            <Link to="/onboarding">Rate a few popular movies</Link> or{' '}
            <Link to="/browse">browse</Link> to find ones you know.
          </p>
        </EmptyState>
      )}
      {ratings.data && ratings.data.ratings.length > 0 && (
        <>
          <ol className="rating-list">
            {ratings.data.ratings.map((r) => (
              <li key={r.movie.id} className="rating-row">
                <Poster movie={r.movie} className="poster rating-row-poster" />
                <div className="rating-row-body">
                  <Link to={`/movies/${r.movie.id}`} className="rating-row-title">
                    {displayTitle(r.movie.title)}
                  </Link>
                  <span className="muted">
                    {[r.movie.year, r.movie.genres.slice(0, 3).join(', ')]
                      .filter(Boolean)
                      .join(' · ')}
                  </span>
                </div>
                <div className="rating-row-stars">
                  <StarRating
                    value={r.rating}
                    label={`Your rating for ${displayTitle(r.movie.title)}`}
                    size="sm"
                  />
                  <span className="rating-row-value">{r.rating.toFixed(1)}</span>
                </div>
                <time className="rating-row-date muted" dateTime={r.updated_at}>
                  {formatDate(r.updated_at)}
                </time>
              </li>
            ))}
          </ol>
          <Pager
            page={ratings.data.page}
            pageSize={ratings.data.page_size || PAGE_SIZE}
            total={ratings.data.total}
            onPage={(p) => setParams(p > 1 ? { page: String(p) } : {})}
          />
        </>
      )}
      <HiddenList />
      {user && (
        <section className="danger-zone" aria-labelledby="account-heading">
          <h2 id="account-heading">Account</h2>
          <p className="muted">
            Signed in as <strong>{user.username}</strong>
            {user.created_at ? ` since ${formatDate(user.created_at)}` : ''}.
          </p>
          <button type="button" className="btn btn-danger" onClick={() => void onDelete()}>
            Delete account
          </button>
        </section>
      )}
    </div>
  );
}
