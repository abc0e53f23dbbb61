import { useId } from 'react';
import type { Source } from '../../api';
import { orderSources, sourceLabels } from './sources';

export interface SourceSelectorProps {
  sources: Source[];
  value: string;
  onChange: (name: string) => void;
  /** Offer "Automatic" (value ''): the server chooses, e.g. by A/B arm. */
  auto?: boolean;
  legend?: string;
}

/** A segmented control of native radios: arrow keys and Tab work as usual. */
export function SourceSelector({
  sources,
  value,
  onChange,
  auto = false,
  legend: legendText = 'Recommendation source',
}: SourceSelectorProps) {
  const name = useId();
  const legend = useId();
  const labels = sourceLabels(sources);
  return (
    <fieldset className="segmented" aria-labelledby={legend}>
      <legend id={legend} className="segmented-legend">
        {legendText}
      </legend>
      <div className="segmented-options">
        {auto && (
          <label
            className="segmented-option"
            title="Let the server choose: your A/B test group if one runs, else its default"
          >
            <input
              type="radio"
              name={name}
              value=""
              checked={value === ''}
              onChange={() => onChange('')}
            />
            <span>Automatic</span>
          </label>
        )}
        {orderSources(sources).map((s) => (
          <label key={s.name} className="segmented-option" title={s.description || undefined}>
            <input
              type="radio"
              name={name}
              value={s.name}
              checked={s.name === value}
              onChange={() => onChange(s.name)}
            />
            <span>{labels[s.name]}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
