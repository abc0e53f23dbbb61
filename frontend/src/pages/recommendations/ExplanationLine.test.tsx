import { render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import type { Explanation } from '../../api';
import { formatShare } from '../../format';
import { ExplanationLine } from './ExplanationLine';

function renderLine(explanation: Explanation | null) {
  return render(
    <MemoryRouter>
      <ExplanationLine explanation={explanation} />
    </MemoryRouter>,
  );
}

describe('ExplanationLine', () => {
  it('links "because you rated X" to that movie', () => {
    renderLine({ because: { id: 318, title: 'Shawshank Redemption, The (1994)' }, parts: [] });
    expect(screen.getByText(/because you rated/i)).toBeInTheDocument();
    // MovieLens's form in the data, the natural one on screen.
    const link = screen.getByRole('link', { name: 'The Shawshank Redemption (1994)' });
    expect(link).toHaveAttribute('href', '/movies/318');
  });

  it('shows each source share with UI labels', () => {
    renderLine({
      because: null,
      parts: [
        { source: 'lightgcn', share: 0.625 },
        { source: 'semantic', share: 0.375 },
      ],
    });
    expect(screen.getByText('LightGCN 63%')).toBeInTheDocument();
    expect(screen.getByText('Content 38%')).toBeInTheDocument();
    expect(screen.queryByText(/because/i)).toBeNull();
  });

  it('drops zero and non-finite shares, and a lone 100% share', () => {
    renderLine({
      because: { id: 1, title: 'Toy Story' },
      parts: [
        { source: 'lightgcn', share: 0.7 },
        { source: 'semantic', share: 0 },
        { source: 'hybrid', share: 0.3 },
        { source: 'popularity', share: Number.NaN },
      ],
    });
    expect(screen.getByText('LightGCN 70%')).toBeInTheDocument();
    expect(screen.getByText('Hybrid 30%')).toBeInTheDocument();
    expect(screen.queryByText(/Content/)).toBeNull();
    expect(screen.queryByText(/Popular/)).toBeNull();
  });

  it('shows no shares for a single-source explanation', () => {
    renderLine({
      because: { id: 1, title: 'Toy Story' },
      parts: [{ source: 'semantic', share: 1 }],
    });
    expect(screen.getByRole('link', { name: 'Toy Story' })).toBeInTheDocument();
    expect(screen.queryByText(/Content/)).toBeNull();
  });

  it('renders nothing for a null or empty explanation', () => {
    const { container } = renderLine(null);
    expect(container.innerHTML).toBe('');
    const empty = renderLine({ because: null, parts: [{ source: 'semantic', share: 1 }] });
    expect(empty.container.innerHTML).toBe('');
  });

  it('formats shares given as fractions or percentages', () => {
    expect(formatShare(0.5)).toBe('50%');
    expect(formatShare(42)).toBe('42%');
  });
});
