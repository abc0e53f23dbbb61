import { useState, type KeyboardEvent } from 'react';
import './StarRating.css';

import { clampRating, describeRating, MAX_RATING, MIN_RATING, starFill, STEP } from './stars';

export interface StarRatingProps {
  value: number | null;
  /** Omit for a read-only display. */
  onChange?: (value: number) => void;
  /** Delete/Backspace remove the rating when given. */
  onClear?: () => void;
  /** Accessible name, e.g. "Your rating for Heat". */
  label: string;
  size?: 'sm' | 'md' | 'lg';
  disabled?: boolean;
}

function Star({ fill }: { fill: number }) {
  return (
    <span className="star" aria-hidden="true" data-fill={fill}>
      <svg viewBox="0 0 24 24" className="star-bg">
        <path d="M12 2.5l2.9 6.1 6.6.8-4.9 4.6 1.3 6.6L12 17.3l-5.9 3.3 1.3-6.6-4.9-4.6 6.6-.8z" />
      </svg>
      <span className="star-fill" style={{ width: `${fill * 100}%` }}>
        <svg viewBox="0 0 24 24">
          <path d="M12 2.5l2.9 6.1 6.6.8-4.9 4.6 1.3 6.6L12 17.3l-5.9 3.3 1.3-6.6-4.9-4.6 6.6-.8z" />
        </svg>
      </span>
    </span>
  );
}

/**
 * A 0.5-5 star rating. Interactive ones are an ARIA slider: arrows move by half
 * a star, Home/End jump to the ends, digits 1-5 pick whole stars and
 * Delete/Backspace clear. Pointer users click the left or right half of a star.
 */
export function StarRating({
  value,
  onChange,
  onClear,
  label,
  size = 'md',
  disabled = false,
}: StarRatingProps) {
  const [hover, setHover] = useState<number | null>(null);
  const interactive = Boolean(onChange) && !disabled;
  const shown = interactive && hover !== null ? hover : value;

  if (!onChange) {
    return (
      <span
        className={`stars stars-${size}`}
        role="img"
        aria-label={`${label}: ${describeRating(value)}`}
      >
        {[1, 2, 3, 4, 5].map((i) => (
          <Star key={i} fill={starFill(value, i)} />
        ))}
      </span>
    );
  }

  function commit(next: number) {
    if (!interactive || !onChange) return;
    const v = clampRating(next);
    if (v !== value) onChange(v);
  }

  function onKeyDown(e: KeyboardEvent<HTMLSpanElement>) {
    if (!interactive) return;
    const current = value ?? 0;
    let handled = true;
    switch (e.key) {
      case 'ArrowRight':
      case 'ArrowUp':
        commit(value === null ? MIN_RATING : current + STEP);
        break;
      case 'ArrowLeft':
      case 'ArrowDown':
        commit(value === null ? MIN_RATING : current - STEP);
        break;
      case 'PageUp':
        commit(current + 1);
        break;
      case 'PageDown':
        commit(Math.max(MIN_RATING, current - 1));
        break;
      case 'Home':
        commit(MIN_RATING);
        break;
      case 'End':
        commit(MAX_RATING);
        break;
      case 'Delete':
      case 'Backspace':
        if (onClear && value !== null) onClear();
        else handled = false;
        break;
      default:
        if (/^[1-5]$/.test(e.key)) commit(Number(e.key));
        else handled = false;
    }
    if (handled) e.preventDefault();
  }

  return (
    <span
      className={`stars stars-${size} stars-interactive${disabled ? ' is-disabled' : ''}`}
      role="slider"
      tabIndex={disabled ? -1 : 0}
      aria-label={label}
      aria-valuemin={MIN_RATING}
      aria-valuemax={MAX_RATING}
      aria-valuenow={value ?? undefined}
      aria-valuetext={describeRating(value)}
      aria-disabled={disabled || undefined}
      onKeyDown={onKeyDown}
      onMouseLeave={() => setHover(null)}
    >
      {[1, 2, 3, 4, 5].map((i) => (
        <span className="star-slot" key={i}>
          <Star fill={starFill(shown, i)} />
          {/* Two invisible hit areas per star: left half = i - 0.5, right half = i. */}
          {[i - 0.5, i].map((v) => (
            <span
              key={v}
              className={v % 1 ? 'star-hit star-hit-left' : 'star-hit star-hit-right'}
              data-value={v}
              aria-hidden="true"
              onMouseEnter={() => interactive && setHover(v)}
              onClick={() => commit(v)}
            />
          ))}
        </span>
      ))}
    </span>
  );
}
