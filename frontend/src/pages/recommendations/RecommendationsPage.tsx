import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { api, ApiError } from '../../api';
import { useAuth } from '../../auth/AuthContext';
import { GridItem, MovieCard, MovieGrid } from '../../components/MovieCard';
import { HiddenCard } from '../../components/MovieCardActions';
import { useMarks } from '../../marks/MarksContext';
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
/** The selector value for "no source=": the server picks (A/B arm or default). */
const AUTO = '';

function formatTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

export function RecommendationsPage() {
  const { user } = useAuth();
  const [params, setParams] = useSearchParams();
  const marks = useMarks();
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
  // Until the user picks a source the request carries none, so the server
  // chooses: the user's A/B arm when an experiment runs, else its default.
  // Sending the default explicitly would override the arm for everyone.
  // An unknown or stale name also means "let the server choose".
  const source = available.find((s) => s.name === requested)?.name ?? AUTO;
  const ready = available.length > 0;

  const recs = useAsync(
    (signal) =>
      ready
        ? api.recommendations(source ? { source, k: K } : { k: K }, { signal })
        : Promise.resolve(undefined),
    [ready, source],
  );
  useInterval(() => recs.reload(true), ready ? POLL_MS : null);

  useEffect(() => {
    document.title = 'For you · recsys';
  }, []);

  function choose(name: string) {
    setParams(name ? { source: name } : {}, { replace: true });
    try {
      if (name) window.localStorage.setItem(STORAGE_KEY, name);
      else window.localStorage.removeItem(STORAGE_KEY);
    } catch {
      /* private mode: the URL still carries the choice */
    }
  }

  const nRatings = user?.n_ratings ?? ONBOARDING_TARGET;
  const fewRatings = nRatings < ONBOARDING_TARGET;
  // A failed load must not leave the previous source's list under the error.
  const data = recs.error ? undefined : recs.data;
  // With no ratings the server answers from the popularity instance whatever
  // was asked; say so instead of silently naming another source.
  const wanted = source || (data?.arm ? '' : (sources.data?.default ?? ''));
  const fellBack = !!data && nRatings === 0 && !!wanted && data.source !== wanted;

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
                <span
                  className="badge"
                  title={
                    data.experiment
                      ? `You are in the "${data.arm}" group of experiment "${data.experiment}"`
                      : 'Your A/B experiment group'
                  }
                >
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
        <SourceSelector sources={available} value={source} onChange={choose} auto />
      )}
      {source === AUTO && data?.arm && (
        <p className="muted recs-auto-note">
          Automatic: you are in the <strong>{data.arm}</strong> group of an A/B test, which shows{' '}
          {labelOf(data.source)}. Picking a source yourself leaves the test for this page.
        </p>
      )}

      {fellBack ? (
        <p className="notice">
          {labelOf(wanted)} needs your ratings; until you rate some it shows popular films.{' '}
          <Link to="/onboarding">Rate a few movies</Link> to get your own picks.
        </p>
      ) : (
        fewRatings && (
          <p className="notice">
            You have rated {nRatings} {nRatings === 1 ? 'movie' : 'movies'}.{' '}
            <Link to="/onboarding">Rate a few more</Link> for better picks.
          </p>
        )
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
      {recs.loading && ready && <Loading label="Finding movies for you…" />}
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
              {marks?.isHidden(item.movie.id) ? (
                <HiddenCard movie={item.movie} />
              ) : (
                <MovieCard movie={item.movie} actions hideable>
                  <ExplanationLine explanation={item.explanation} />
                </MovieCard>
              )}
            </GridItem>
          ))}
        </MovieGrid>
      )}
    </div>
  );
}
