import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api, ApiError } from '../../api';
import { useAuth } from '../../auth/AuthContext';
import { GridItem, MovieCard, MovieGrid, Poster } from '../../components/MovieCard';
import { displayTitle, errorText, formatMean, imdbUrl } from '../../format';
import { RatingControl } from '../../components/RatingControl';
import { StarRating } from '../../components/StarRating/StarRating';
import { EmptyState, ErrorMessage, Loading } from '../../components/Status';
import { useAsync } from '../../hooks/useAsync';
import { useMarks } from '../../marks/MarksContext';
import { SourceSelector } from '../recommendations/SourceSelector';
import { chooseSimilarSource, similarSources } from './similarSource';
import './MoviePage.css';

const SIMILAR_KEY = 'recsys.similarSource';

function NoSuchMovie() {
  return (
    <EmptyState title="No such movie">
      <p>
        There is no movie with this address. <Link to="/browse">Browse the catalogue</Link> to find
        one.
      </p>
    </EmptyState>
  );
}

export function MoviePage() {
  const { id: rawId } = useParams();
  const id = Number(rawId);
  const valid = Number.isInteger(id) && id > 0;
  const { refresh } = useAuth();
  const marks = useMarks();
  const movie = useAsync(
    (signal) => (valid ? api.movie(id, { signal }) : Promise.resolve(undefined)),
    [id],
  );
  const sources = useAsync((signal) => api.sources({ signal }), []);
  const [wanted, setWanted] = useState(() => {
    try {
      return window.localStorage.getItem(SIMILAR_KEY) ?? '';
    } catch {
      return '';
    }
  });
  const able = sources.data ? similarSources(sources.data.sources) : [];
  const similarSource = chooseSimilarSource(sources.data, wanted);
  // Wait for /api/sources so the default is the server's choice, not a guess;
  // if it fails, ask without source= and let the server pick.
  const sourcesSettled = !sources.loading || !!sources.error;
  const similar = useAsync(
    (signal) =>
      valid && sourcesSettled
        ? api.similar(id, 12, similarSource || undefined, { signal })
        : Promise.resolve(undefined),
    [id, similarSource, sourcesSettled],
  );

  function chooseSimilar(name: string) {
    setWanted(name);
    try {
      window.localStorage.setItem(SIMILAR_KEY, name);
    } catch {
      /* private mode: the choice lasts for this page */
    }
  }

  useEffect(() => {
    if (movie.data) document.title = `${displayTitle(movie.data.title)} · recsys`;
  }, [movie.data]);

  if (!valid) return <NoSuchMovie />;
  if (movie.error instanceof ApiError && movie.error.status === 404) return <NoSuchMovie />;
  if (movie.error) return <ErrorMessage error={movie.error} onRetry={() => movie.reload()} />;
  // The previous movie stays in `data` while the next loads: never show it
  // (with live rating stars) under the new address.
  if (!movie.data || movie.data.id !== id) return <Loading label="Loading movie…" />;

  const m = movie.data;
  const title = displayTitle(m.title);
  return (
    <div className="page movie-page">
      <section className="movie-hero" aria-labelledby="movie-title">
        <Poster movie={m} className="poster movie-hero-poster" />
        <div className="movie-hero-body">
          <h1 id="movie-title">
            {title}
            {m.year !== null && <span className="movie-year"> ({m.year})</span>}
          </h1>
          {m.genres.length > 0 && (
            <ul className="chips" aria-label="Genres">
              {m.genres.map((g) => (
                <li key={g}>
                  <Link className="chip" to={`/browse?genre=${encodeURIComponent(g)}`}>
                    {g}
                  </Link>
                </li>
              ))}
            </ul>
          )}
          <div className="movie-stats">
            <StarRating
              value={m.mean_rating === null ? null : Math.round(m.mean_rating * 2) / 2}
              label="Average rating"
              size="sm"
            />
            <span>
              <strong>{formatMean(m.mean_rating)}</strong> average from{' '}
              {m.n_ratings.toLocaleString()} {m.n_ratings === 1 ? 'rating' : 'ratings'}
            </span>
          </div>

          <div className="your-rating">
            <h2 className="label-heading">Your rating</h2>
            <RatingControl
              key={m.id}
              movieId={m.id}
              title={title}
              initial={m.user_rating}
              size="lg"
              onSaved={(value) => {
                marks?.rated(m.id, value);
                void refresh().catch(() => undefined);
              }}
            />
          </div>

          {m.overview && <p className="movie-overview">{m.overview}</p>}

          {m.tags.length > 0 && (
            <div className="movie-tags">
              <h2 className="label-heading">Tags</h2>
              <ul className="chips" aria-label="Tags">
                {m.tags.map((t) => (
                  <li key={t} className="chip chip-muted">
                    {t}
                  </li>
                ))}
              </ul>
            </div>
          )}
          <p className="movie-links">
            {imdbUrl(m.imdb_id) && (
              <a href={imdbUrl(m.imdb_id)!} target="_blank" rel="noreferrer">
                IMDb
              </a>
            )}
            {m.tmdb_id !== null && (
              <a
                href={`https://www.themoviedb.org/movie/${m.tmdb_id}`}
                target="_blank"
                rel="noreferrer"
              >
                TMDB
              </a>
            )}
          </p>
        </div>
      </section>

      <section className="similar" aria-labelledby="similar-heading">
        <h2 id="similar-heading">Similar movies</h2>
        {able.length > 1 && (
          <SourceSelector
            sources={able}
            value={similarSource}
            onChange={chooseSimilar}
            legend="Similar by"
          />
        )}
        {similar.loading && <Loading label="Finding similar movies…" />}
        {similar.error &&
          (similar.error instanceof ApiError &&
          similar.error.status >= 400 &&
          similar.error.status < 500 ? (
            // e.g. no configured source supports similar items: not a failure to retry.
            <p className="muted">
              Similar movies are not available here: {errorText(similar.error)}.
            </p>
          ) : (
            <ErrorMessage error={similar.error} onRetry={() => similar.reload()} />
          ))}
        {!similar.loading && !similar.error && similar.data?.items.length === 0 && (
          <p className="muted">No similar movies found.</p>
        )}
        {!similar.loading && !similar.error && similar.data && similar.data.items.length > 0 && (
          <MovieGrid label={`Movies similar to ${title}`}>
            {similar.data.items.map(({ movie: s }) => (
              <GridItem key={s.id}>
                <MovieCard movie={s} actions />
              </GridItem>
            ))}
          </MovieGrid>
        )}
      </section>
    </div>
  );
}
