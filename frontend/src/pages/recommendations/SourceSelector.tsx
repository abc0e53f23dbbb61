import { useId } from 'react';
import type { Source } from '../../api';
import { orderSources, sourceLabels } from './sources';

export interface SourceSelectorProps {
  sources: Source[];
  value: string;
  onChange: (name: string) => void;
}

/** A segmented control of native radios: arrow keys and Tab work as usual. */
export function SourceSelector({ sources, value, onChange }: SourceSelectorProps) {
  const name = useId();
  const legend = useId();
  const labels = sourceLabels(sources);
  return (
    <fieldset className="segmented" aria-labelledby={legend}>
      <legend id={legend} className="segmented-legend">
        Recommendation source
      </legend>
      <div className="segmented-options">
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
