import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { api, type OnboardingMovie } from '../../api';
import { useAuth } from '../../auth/AuthContext';
import { GridItem, MovieCard, MovieGrid } from '../../components/MovieCard';
import { RatingControl } from '../../components/RatingControl';
import { EmptyState, ErrorMessage, Loading } from '../../components/Status';
import { displayTitle } from '../../format';
import './OnboardingPage.css';

/** About this many ratings give the models enough to go on. */
export const ONBOARDING_TARGET = 10;
/** The first page, and each "Show other movies". */
export const PAGE = 12;
/** Picks added after each new rating (neighbours of what the user liked). */
export const FOLLOW_UP = 3;
/** The server's cap on exclude= (older ids drop out first). */
const EXCLUDE_MAX = 200;

/**
 * Rate about ten films. The server mixes neighbours of the films the user
 * liked with genre-spread picks; every request lists the films already shown
 * (exclude=) so none comes back. Each new rating adds a few picks that follow
 * it; "Show other movies" replaces the ones not rated yet.
 */
export function OnboardingPage() {
  const { user, refresh } = useAuth();
  const navigate = useNavigate();
  const [items, setItems] = useState<OnboardingMovie[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<Error | null>(null);
  // Every id ever shown on this page, oldest first; a ref so requests in
  // flight see the latest list.
  const shown = useRef<number[]>([]);
  const [rated, setRated] = useState<Set<number>>(new Set());
  const count = user?.n_ratings ?? rated.size;
  const done = count >= ONBOARDING_TARGET;
  const pct = Math.min(100, Math.round((count / ONBOARDING_TARGET) * 100));

  useEffect(() => {
    document.title = 'Get started · recsys';
  }, []);

  const fetchPicks = useCallback(async (n: number, signal?: AbortSignal) => {
    const res = await api.onboarding(n, shown.current.slice(-EXCLUDE_MAX), { signal });
    const fresh = res.items.filter((m) => m && !shown.current.includes(m.id));
    shown.current.push(...fresh.map((m) => m.id));
    return fresh;
  }, []);

  const load = useCallback(
    async (mode: 'replace' | 'append', n: number, signal?: AbortSignal) => {
      if (mode === 'replace') setLoading(true);
      try {
        const fresh = await fetchPicks(n, signal);
        setError(null);
        setItems((prev) =>
          mode === 'append'
            ? [...prev, ...fresh]
            : [...prev.filter((m) => rated.has(m.id)), ...fresh],
        );
      } catch (err) {
        if (signal?.aborted) return;
        setError(err instanceof Error ? err : new Error(String(err)));
      } finally {
        if (!signal?.aborted) setLoading(false);
      }
    },
    [fetchPicks, rated],
  );

  // The first page (loading starts true); later loads come from ratings and
  // the button.
  useEffect(() => {
    const controller = new AbortController();
    fetchPicks(PAGE, controller.signal).then(
      (fresh) => {
        setItems(fresh);
        setLoading(false);
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setError(err instanceof Error ? err : new Error(String(err)));
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [fetchPicks]);

  const markRated = useCallback(
    (id: number) => {
      void refresh().catch(() => undefined);
      if (rated.has(id)) return;
      setRated((prev) => new Set(prev).add(id));
      // A new rating: offer a few films that follow it (and what came before).
      void load('append', FOLLOW_UP);
    },
    [refresh, rated, load],
  );

  return (
    <div className="page onboarding-page">
      <header className="page-header">
        <div>
          <h1>Rate a few movies</h1>
          <p className="page-lede">
            Rate about {ONBOARDING_TARGET} films you have seen; skip the rest. After each rating we
            add films like the ones you liked, mixed with others that help tell tastes apart.
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

      {loading && items.length === 0 && <Loading label="Finding movies for you…" />}
      {error && <ErrorMessage error={error} onRetry={() => void load('replace', PAGE)} />}
      {!loading && !error && items.length === 0 && (
        <EmptyState title="Nothing to suggest right now">
          <p>
            You can <Link to="/browse">browse the catalogue</Link> and rate movies you know.
          </p>
        </EmptyState>
      )}
      {items.length > 0 && (
        <MovieGrid label="Movies to rate">
          {items.map((m) => (
            <GridItem key={m.id}>
              <MovieCard movie={m}>
                {m.because && (
                  <p className="onboarding-because">
                    Because you liked{' '}
                    <Link to={`/movies/${m.because.id}`}>{displayTitle(m.because.title)}</Link>
                  </p>
                )}
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
      {items.length > 0 && (
        <p className="onboarding-more">
          <button
            type="button"
            className="btn"
            onClick={() => void load('replace', PAGE)}
            disabled={loading}
          >
            Show other movies
          </button>
        </p>
      )}
    </div>
  );
}
