import { useState } from 'react';
import type { Movie } from '../api';
import { displayTitle, errorText } from '../format';
import { useMarks } from '../marks/MarksContext';
import { RatingControl } from './RatingControl';

/**
 * Rate, save for later and (on recommendations) "Not interested", straight
 * from a card. The stars start from the user's own rating (GET /api/me/marks).
 */
export function MovieCardActions({
  movie,
  hideable = false,
}: {
  movie: Movie;
  hideable?: boolean;
}) {
  const marks = useMarks();
  const [error, setError] = useState<unknown>(null);
  if (!marks) return null;
  const title = displayTitle(movie.title);
  const saved = marks.onWatchlist(movie.id);
  const run = (action: Promise<void>) => {
    setError(null);
    action.catch(setError);
  };
  return (
    <div className="card-actions">
      <RatingControl
        // Marks arrive after the first render; start the stars again from them.
        key={`${movie.id}:${marks.loaded}`}
        movieId={movie.id}
        title={title}
        initial={marks.rating(movie.id)}
        size="sm"
        showRemove={false}
        compact
        onSaved={(value) => marks.rated(movie.id, value)}
      />
      <div className="card-buttons">
        <button
          type="button"
          className="chip-button"
          aria-pressed={saved}
          aria-label={`Watchlist: ${title}`}
          title={saved ? 'On your watchlist (click to remove)' : 'Save for later'}
          onClick={() => run(marks.setWatchlist(movie.id, !saved))}
        >
          {saved ? '✓ Watchlist' : '+ Watchlist'}
        </button>
        {hideable && (
          <button
            type="button"
            className="chip-button"
            aria-label={`Not interested in ${title}`}
            onClick={() => run(marks.setHidden(movie.id, true))}
          >
            Not interested
          </button>
        )}
      </div>
      {error !== null && (
        <span className="rating-error" role="alert">
          {errorText(error)}
        </span>
      )}
    </div>
  );
}

/** What a hidden recommendation leaves behind: its title and an Undo. */
export function HiddenCard({ movie }: { movie: Movie }) {
  const marks = useMarks();
  const title = displayTitle(movie.title);
  return (
    <article className="movie-card movie-card-hidden">
      <p>
        <strong>{title}</strong> won&apos;t be recommended again.
      </p>
      <button
        type="button"
        className="btn btn-small"
        aria-label={`Undo: show ${title} again`}
        onClick={() => void marks?.setHidden(movie.id, false).catch(() => undefined)}
      >
        Undo
      </button>
    </article>
  );
}
