import { useCallback, useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { api } from '../../api';
import { useAuth } from '../../auth/AuthContext';
import { GridItem, MovieCard, MovieGrid } from '../../components/MovieCard';
import { RatingControl } from '../../components/RatingControl';
import { EmptyState, ErrorMessage, Loading } from '../../components/Status';
import { useAsync } from '../../hooks/useAsync';
import { displayTitle } from '../../format';
import './OnboardingPage.css';

/** About this many ratings give the models enough to go on. */
export const ONBOARDING_TARGET = 10;

export function OnboardingPage() {
  const { user, refresh } = useAuth();
  const navigate = useNavigate();
  const picks = useAsync((signal) => api.onboarding(12, { signal }), []);
  // Movies rated on this page; only used if /api/me does not report n_ratings.
  const [rated, setRated] = useState<Set<number>>(new Set());
  const count = user?.n_ratings ?? rated.size;
  const done = count >= ONBOARDING_TARGET;
  const pct = Math.min(100, Math.round((count / ONBOARDING_TARGET) * 100));

  useEffect(() => {
    document.title = 'Get started · recsys';
  }, []);

  const markRated = useCallback(
    (id: number) => {
      setRated((prev) => (prev.has(id) ? prev : new Set(prev).add(id)));
      void refresh().catch(() => undefined);
    },
    [refresh],
  );

  return (
    <div className="page onboarding-page">
      <header className="page-header">
        <div>
          <h1>Rate a few movies</h1>
          <p className="page-lede">
            These are well known but divide opinion, so your ratings tell the models the most. Rate
            about {ONBOARDING_TARGET}; skip any you haven&apos;t seen.
          </p>
        </div>
        <div className="onboarding-actions">
          <Link to="/recommendations" className="btn btn-ghost-dark">
            Skip for now
          </Link>
          <button
            type="button"
            className={done ? 'btn btn-primary' : 'btn'}
            onClick={() => navigate('/recommendations')}
          >
            {done ? 'See my recommendations' : 'Done'}
          </button>
        </div>
      </header>

      <div className="progress" aria-label="Onboarding progress">
        <div
          className="progress-bar"
          role="progressbar"
          aria-valuemin={0}
          aria-valuemax={ONBOARDING_TARGET}
          aria-valuenow={Math.min(count, ONBOARDING_TARGET)}
          aria-valuetext={`${count} of ${ONBOARDING_TARGET} movies rated`}
        >
          <div className="progress-fill" style={{ width: `${pct}%` }} />
        </div>
        <span className="progress-label">
          {count} of {ONBOARDING_TARGET} rated{done ? ' — nice, that is enough to start.' : ''}
        </span>
      </div>

      {picks.loading && <Loading label="Finding movies for you…" />}
      {picks.error && <ErrorMessage error={picks.error} onRetry={() => picks.reload()} />}
      {picks.data && picks.data.items.length === 0 && (
        <EmptyState title="Nothing to suggest right now">
          <p>
            You can <Link to="/browse">browse the catalogue</Link> and rate movies you know.
          </p>
        </EmptyState>
      )}
      {picks.data && picks.data.items.length > 0 && (
        <MovieGrid label="Movies to rate">
          {picks.data.items.map((m) => (
            <GridItem key={m.id}>
              <MovieCard movie={m}>
                <RatingControl
                  movieId={m.id}
                  title={displayTitle(m.title)}
                  initial={null}
                  size="md"
                  showRemove={false}
                  compact
                  onSaved={() => markRated(m.id)}
                />
              </MovieCard>
            </GridItem>
          ))}
        </MovieGrid>
      )}
      {picks.data && picks.data.items.length > 0 && (
        <p className="onboarding-more">
          {/* The server leaves out movies already rated, so a reload brings new ones. */}
          <button
            type="button"
            className="btn"
            onClick={() => picks.reload()}
            disabled={picks.loading}
          >
            Show other movies
          </button>
        </p>
      )}
    </div>
  );
}
