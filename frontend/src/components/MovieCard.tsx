import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import type { Movie } from '../api';
import { displayTitle, formatMean } from '../format';
import { MovieCardActions } from './MovieCardActions';

export function Poster({ movie, className = 'poster' }: { movie: Movie; className?: string }) {
  // Decorative: the title is always printed next to it.
  return (
    <img
      className={className}
      src={movie.poster_url || `/api/posters/${movie.id}`}
      alt=""
      loading="lazy"
    />
  );
}

/**
 * A poster card linking to the movie page; `children` go under the title
 * (explanations). `actions`: the user's own stars and "+ Watchlist" (plus
 * "Not interested" when `hideable`), from the marks context.
 */
export function MovieCard({
  movie,
  children,
  actions = false,
  hideable = false,
}: {
  movie: Movie;
  children?: ReactNode;
  actions?: boolean;
  hideable?: boolean;
}) {
  return (
    <article className="movie-card">
      <Link to={`/movies/${movie.id}`} className="movie-card-link">
        <Poster movie={movie} />
        <span className="movie-card-title">{displayTitle(movie.title)}</span>
      </Link>
      <div className="movie-card-meta">
        {movie.year !== null && <span>{movie.year}</span>}
        {movie.n_ratings > 0 && (
          <span title={`${movie.n_ratings} ratings`}>
            <span aria-hidden="true">★</span> {formatMean(movie.mean_rating)}
            <span className="sr-only"> average from {movie.n_ratings} ratings</span>
          </span>
        )}
      </div>
      {children}
      {actions && <MovieCardActions movie={movie} hideable={hideable} />}
    </article>
  );
}

export function MovieGrid({ children, label }: { children: ReactNode; label?: string }) {
  return (
    <div className="movie-grid" role="list" aria-label={label}>
      {children}
    </div>
  );
}

export function GridItem({ children }: { children: ReactNode }) {
  return <div role="listitem">{children}</div>;
}
