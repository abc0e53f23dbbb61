import { useRating } from '../hooks/useRating';
import { StarRating } from './StarRating/StarRating';
import { errorText } from '../format';

export interface RatingControlProps {
  movieId: number;
  title: string;
  initial: number | null;
  size?: 'sm' | 'md' | 'lg';
  /** Called with the value the server now has (null: removed). */
  onSaved?: (value: number | null) => void;
  /** Show the "Remove" button. */
  showRemove?: boolean;
  /** In cards: no "Not rated" text, so the stars and value fit one line. */
  compact?: boolean;
}

/** An editable star rating wired to PUT/DELETE /api/ratings/{id}. */
export function RatingControl({
  movieId,
  title,
  initial,
  size = 'md',
  onSaved,
  showRemove = true,
  compact = false,
}: RatingControlProps) {
  const rating = useRating(movieId, initial, onSaved);
  return (
    <div className="rating-control">
      <StarRating
        value={rating.value}
        onChange={rating.set}
        onClear={rating.clear}
        label={`Your rating for ${title}`}
        size={size}
      />
      <span className="rating-value" aria-hidden="true">
        {rating.value === null ? (compact ? '' : 'Not rated') : rating.value.toFixed(1)}
      </span>
      {showRemove && rating.value !== null && (
        <button
          type="button"
          className="btn-link"
          onClick={rating.clear}
          aria-label={`Remove rating for ${title}`}
        >
          Remove
        </button>
      )}
      <span className="rating-status" role="status" aria-live="polite">
        {rating.saving ? 'Saving…' : rating.saved ? 'Saved' : ''}
      </span>
      {rating.error && (
        <span className="rating-error" role="alert">
          {errorText(rating.error)}
        </span>
      )}
    </div>
  );
}
