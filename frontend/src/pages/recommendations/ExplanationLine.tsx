import { Link } from 'react-router-dom';
import type { Explanation } from '../../api';
import { displayTitle, formatShare } from '../../format';
import { sourceLabel } from './sources';

/** "Because you rated X" plus, for blended sources, how much each model contributed. */
export function ExplanationLine({ explanation }: { explanation: Explanation | null }) {
  if (!explanation) return null;
  // Shares only say something for a blend: one source at 100% is just the selected source.
  const valid = explanation.parts.filter((p) => Number.isFinite(p.share) && p.share > 0);
  const parts = valid.length >= 2 ? valid : [];
  if (!explanation.because && parts.length === 0) return null;
  return (
    <div className="explanation">
      {explanation.because && (
        <p className="explanation-because">
          Because you rated{' '}
          <Link to={`/movies/${explanation.because.id}`}>
            {displayTitle(explanation.because.title)}
          </Link>
        </p>
      )}
      {parts.length > 0 && (
        <p className="explanation-parts">
          {parts.map((p, i) => (
            <span key={p.source} className="explanation-part">
              {i > 0 && <span aria-hidden="true"> · </span>}
              {sourceLabel(p.source)} {formatShare(p.share)}
            </span>
          ))}
        </p>
      )}
    </div>
  );
}
