import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { api, ApiError } from '../../api';
import { useAuth } from '../../auth/AuthContext';
import { GridItem, MovieCard, MovieGrid } from '../../components/MovieCard';
import { EmptyState, ErrorMessage, Loading } from '../../components/Status';
import { useAsync } from '../../hooks/useAsync';
import { useInterval } from '../../hooks/useInterval';
import { ONBOARDING_TARGET } from '../onboarding/OnboardingPage';
import { ExplanationLine } from './ExplanationLine';
import { SourceSelector } from './SourceSelector';
import { recommendingSources, sourceLabel, sourceLabels } from './sources';
import './RecommendationsPage.css';

/** The server refreshes models on an interval; polling this often shows new ratings' effect without a reload. */
export const POLL_MS = 30_000;
const K = 20;
const STORAGE_KEY = 'recsys.source';

function formatTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

export function RecommendationsPage() {
  const { user } = useAuth();
  const [params, setParams] = useSearchParams();
  const sources = useAsync((signal) => api.sources({ signal }), []);
  const [stored] = useState(() => {
    try {
      return window.localStorage.getItem(STORAGE_KEY) ?? '';
    } catch {
      return '';
    }
  });

  const available = sources.data ? recommendingSources(sources.data.sources) : [];
  const labels = sourceLabels(available);
  const labelOf = (name: string) => labels[name] ?? sourceLabel(name);
  const requested = params.get('source') ?? stored;
  // An unknown or stale name falls back to the server's default.
  const source =
    available.find((s) => s.name === requested)?.name ??
    available.find((s) => s.name === sources.data?.default)?.name ??
    available[0]?.name ??
    '';

  const recs = useAsync(
    (signal) =>
      source ? api.recommendations({ source, k: K }, { signal }) : Promise.resolve(undefined),
    [source],
  );
  useInterval(() => recs.reload(true), source ? POLL_MS : null);

  useEffect(() => {
    document.title = 'For you · recsys';
  }, []);

  function choose(name: string) {
    setParams({ source: name }, { replace: true });
    try {
      window.localStorage.setItem(STORAGE_KEY, name);
    } catch {
      /* private mode: the URL still carries the choice */
    }
  }

  const fewRatings = (user?.n_ratings ?? ONBOARDING_TARGET) < ONBOARDING_TARGET;
  const data = recs.data;

  return (
    <div className="page recs-page">
      <header className="page-header">
        <div>
          <h1>Recommended for you</h1>
          {data && (
            <p className="page-lede recs-meta">
              {labelOf(data.source)}
              {data.model_version !== '' && data.model_version !== null
                ? ` · model v${data.model_version}`
                : ''}
              {data.generated_at ? ` · updated ${formatTime(data.generated_at)}` : ''}
              {data.arm && (
                <span className="badge" title="Your A/B experiment group">
                  A/B arm: {data.arm}
                </span>
              )}
            </p>
          )}
        </div>
      </header>

      {sources.error && <ErrorMessage error={sources.error} onRetry={() => sources.reload()} />}
      {sources.loading && <Loading label="Loading sources…" />}
      {available.length > 0 && (
        <SourceSelector sources={available} value={source} onChange={choose} />
      )}

      {fewRatings && (
        <p className="notice">
          You have rated {user?.n_ratings ?? 0} movies.{' '}
          <Link to="/onboarding">Rate a few more</Link> for better picks.
        </p>
      )}

      {recs.error && (
        <ErrorMessage
          error={
            recs.error instanceof ApiError && recs.error.status === 503
              ? new Error('The models are still warming up. Try again in a moment.')
              : recs.error
          }
          onRetry={() => recs.reload()}
        />
      )}
      {recs.loading && source && <Loading label="Finding movies for you…" />}
      {!recs.loading && data && data.items.length === 0 && (
        <EmptyState title="No recommendations yet">
          <p>
            Rate some movies on the <Link to="/onboarding">getting-started page</Link> or while{' '}
            <Link to="/browse">browsing</Link>; new ratings count after the next model refresh.
          </p>
        </EmptyState>
      )}
      {!recs.loading && data && data.items.length > 0 && (
        <MovieGrid label={`${labelOf(data.source)} recommendations`}>
          {data.items.map((item) => (
            <GridItem key={item.movie.id}>
              <MovieCard movie={item.movie}>
                <ExplanationLine explanation={item.explanation} />
              </MovieCard>
            </GridItem>
          ))}
        </MovieGrid>
      )}
    </div>
  );
}
