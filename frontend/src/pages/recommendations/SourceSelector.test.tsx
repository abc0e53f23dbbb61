import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import type { Source } from '../../api';
import { SourceSelector } from './SourceSelector';
import { orderSources, recommendingSources, sourceLabel, sourceLabels } from './sources';

function src(name: string, plugin = name, capabilities = ['recommend']): Source {
  return { name, plugin, version: '1.0.0', description: `${name} source`, capabilities };
}

// The server lists instances in config order, not display order.
const SOURCES = [src('popularity'), src('semantic'), src('hybrid'), src('lightgcn')];

function Harness() {
  const [v, setV] = useState('hybrid');
  return (
    <>
      <SourceSelector sources={SOURCES} value={v} onChange={setV} />
      <output data-testid="chosen">{v}</output>
    </>
  );
}

describe('source labels', () => {
  it('maps instance names to UI labels', () => {
    expect(sourceLabel('hybrid')).toBe('Hybrid');
    expect(sourceLabel('lightgcn')).toBe('LightGCN');
    expect(sourceLabel('semantic')).toBe('Content');
    expect(sourceLabel('popularity')).toBe('Popular');
    expect(sourceLabel('ease')).toBe('Item-to-item (EASE)');
    expect(sourceLabel('ease_strong', 'ease')).toBe('Item-to-item (EASE)');
  });
  it('falls back to the plugin name, then to the instance name', () => {
    expect(sourceLabel('blend_b', 'hybrid')).toBe('Hybrid');
    expect(sourceLabel('item_knn', 'knn')).toBe('Item knn');
  });
  it('keeps labels unique when several instances share a plugin', () => {
    const labels = sourceLabels([
      src('popularity'),
      src('top_rated', 'popularity'),
      src('trending', 'popularity'),
    ]);
    expect(labels).toEqual({ popularity: 'Popular', top_rated: 'Top rated', trending: 'Trending' });
    // A lone instance of a known plugin still borrows its label.
    expect(sourceLabels([src('pop2', 'popularity'), src('lightgcn')])).toEqual({
      pop2: 'Popular',
      lightgcn: 'LightGCN',
    });
  });

  it('orders Hybrid, LightGCN, Content, Popular, then others', () => {
    const ordered = orderSources([src('zeta'), ...SOURCES]).map((s) => s.name);
    expect(ordered).toEqual(['hybrid', 'lightgcn', 'semantic', 'popularity', 'zeta']);
  });
  it('hides sources that cannot recommend, unless none can', () => {
    const list = [src('hybrid'), src('sim', 'semantic', ['similar'])];
    expect(recommendingSources(list).map((s) => s.name)).toEqual(['hybrid']);
    const none = [src('a', 'a', ['similar'])];
    expect(recommendingSources(none)).toEqual(none);
  });
});

describe('SourceSelector', () => {
  it('renders one radio per source with mapped labels in display order', () => {
    render(<Harness />);
    const group = screen.getByRole('group', { name: 'Recommendation source' });
    const radios = screen.getAllByRole('radio');
    expect(group).toContainElement(radios[0]!);
    expect(radios.map((r) => r.closest('label')!.textContent)).toEqual([
      'Hybrid',
      'LightGCN',
      'Content',
      'Popular',
    ]);
    expect(screen.getByRole('radio', { name: 'Hybrid' })).toBeChecked();
  });

  it('changes source on click and with the arrow keys', async () => {
    const user = userEvent.setup();
    render(<Harness />);
    await user.click(screen.getByRole('radio', { name: 'Content' }));
    expect(screen.getByTestId('chosen').textContent).toBe('semantic');
    expect(screen.getByRole('radio', { name: 'Content' })).toBeChecked();
    await user.keyboard('{ArrowRight}');
    expect(screen.getByTestId('chosen').textContent).toBe('popularity');
  });
});
