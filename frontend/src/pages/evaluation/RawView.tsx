/** Renders any JSON value as nested tables: the fallback when the report's shape is unfamiliar. */
export function RawView({ value, depth = 0 }: { value: unknown; depth?: number }) {
  if (value === null || value === undefined) return <span className="muted">—</span>;
  if (typeof value !== 'object') return <span>{String(value)}</span>;
  if (depth > 4) return <code>{JSON.stringify(value)}</code>;

  if (Array.isArray(value)) {
    if (value.length === 0) return <span className="muted">(empty)</span>;
    const rows = value.filter(
      (v): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v),
    );
    if (rows.length === value.length) {
      const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
      return (
        <div className="table-wrap">
          <table className="data-table">
            <thead>
              <tr>
                {cols.map((c) => (
                  <th key={c} scope="col">
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={i}>
                  {cols.map((c) => (
                    <td key={c}>
                      <RawView value={r[c]} depth={depth + 1} />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
    }
    return (
      <span>
        {value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ')}
      </span>
    );
  }

  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return <span className="muted">(empty)</span>;
  return (
    <div className="table-wrap">
      <table className="data-table data-table-kv">
        <tbody>
          {entries.map(([k, v]) => (
            <tr key={k}>
              <th scope="row">{k}</th>
              <td>
                <RawView value={v} depth={depth + 1} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
