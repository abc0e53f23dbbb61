import { Link } from 'react-router-dom';
import { api } from '../../api';
import { ErrorMessage } from '../../components/Status';
import { displayTitle } from '../../format';
import { useAsync } from '../../hooks/useAsync';
import { useMarks } from '../../marks/MarksContext';

/** Films marked "Not interested", each with an Undo (stored server-side). */
export function HiddenList() {
  const marks = useMarks();
  const hidden = useAsync((signal) => api.hidden({ page_size: 100 }, { signal }), []);
  if (hidden.error) return <ErrorMessage error={hidden.error} onRetry={() => hidden.reload()} />;
  if (!hidden.data || hidden.data.items.length === 0) return null;
  async function undo(id: number) {
    await marks?.setHidden(id, false).catch(() => undefined);
    hidden.reload(true);
  }
  return (
    <section className="hidden-list" aria-labelledby="hidden-heading">
      <h2 id="hidden-heading">Not interested</h2>
      <p className="muted">
        These never appear in your recommendations. Undo to let one back in (from the next refresh).
      </p>
      <ul>
        {hidden.data.items.map(({ movie }) => (
          <li key={movie.id}>
            <Link to={`/movies/${movie.id}`}>{displayTitle(movie.title)}</Link>
            {movie.year !== null && <span className="muted"> ({movie.year})</span>}{' '}
            <button
              type="button"
              className="btn-link"
              aria-label={`Undo not interested: ${displayTitle(movie.title)}`}
              onClick={() => void undo(movie.id)}
            >
              Undo
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
