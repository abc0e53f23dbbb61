import { useEffect } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api } from '../../api';
import { useAuth } from '../../auth/AuthContext';
import { GridItem, MovieCard, MovieGrid, Poster } from '../../components/MovieCard';
import { errorText, formatMean, imdbUrl } from '../../format';
import { ApiError } from '../../api';
import { RatingControl } from '../../components/RatingControl';
import { StarRating } from '../../components/StarRating/StarRating';
import { EmptyState, ErrorMessage, Loading } from '../../components/Status';
import { useAsync } from '../../hooks/useAsync';
import './MoviePage.css';

export function MoviePage() {
  const { id: rawId } = useParams();
  const id = Number(rawId);
  const { refresh } = useAuth();
  const movie = useAsync((signal) => api.movie(id, { signal }), [id]);
  const similar = useAsync((signal) => api.similar(id, 12, { signal }), [id]);

  useEffect(() => {
    if (movie.data) document.title = `${movie.data.title} · recsys`;
  }, [movie.data]);

  useEffect(() => {
    window.scrollTo({ top: 0 });
  }, [id]);

  if (!Number.isInteger(id) || id <= 0) {
    return (
      <EmptyState title="No such movie">
        <Link to="/browse">Back to browsing</Link>
      </EmptyState>
    );
  }
  if (movie.loading && !movie.data) return <Loading label="Loading movie…" />;
  if (movie.error || !movie.data)
    return <ErrorMessage error={movie.error} onRetry={() => movie.reload()} />;

  const m = movie.data;
  return (
    <div className="page movie-page">
      <section className="movie-hero" aria-labelledby="movie-title">
        <Poster movie={m} className="poster movie-hero-poster" />
        <div className="movie-hero-body">
          <h1 id="movie-title">
            {m.title}
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
              title={m.title}
              initial={m.user_rating}
              size="lg"
              onSaved={() => void refresh().catch(() => undefined)}
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
        {similar.data && similar.data.items.length === 0 && (
          <p className="muted">No similar movies found.</p>
        )}
        {similar.data && similar.data.items.length > 0 && (
          <MovieGrid label={`Movies similar to ${m.title}`}>
            {similar.data.items.map(({ movie: s }) => (
              <GridItem key={s.id}>
                <MovieCard movie={s} />
              </GridItem>
            ))}
          </MovieGrid>
        )}
      </section>
    </div>
  );
}
