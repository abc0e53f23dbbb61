import { render, screen, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EVAL_COMMAND, EvaluationPage, ReportView } from './EvaluationPage';

afterEach(() => vi.unstubAllGlobals());

const REPORT = {
  levels: [1, 0.5],
  results: [
    {
      level: 1,
      plugin: 'hybrid',
      metrics: {
        'recall@20': { mean: 0.31, ci_low: 0.29, ci_high: 0.33 },
        'ndcg@20': { mean: 0.2 },
      },
    },
    {
      level: 0.5,
      plugin: 'hybrid',
      metrics: {
        'recall@20': { mean: 0.27, ci_low: 0.25, ci_high: 0.29 },
        'ndcg@20': { mean: 0.17 },
      },
    },
    {
      level: 1,
      plugin: 'popularity',
      metrics: { 'recall@20': { mean: 0.1 }, 'ndcg@20': { mean: 0.06 } },
    },
  ],
};

describe('ReportView', () => {
  it('renders a table per metric with CIs and a chart per charted metric', () => {
    const { container } = render(<ReportView raw={REPORT} />);
    const recall = screen.getByRole('table', { name: 'recall@20' });
    const rows = within(recall).getAllByRole('row');
    expect(
      within(rows[0]!)
        .getAllByRole('columnheader')
        .map((h) => h.textContent),
    ).toEqual(['Source', '100%', '50%']);
    expect(rows[1]!.textContent).toContain('Hybrid');
    expect(rows[1]!.textContent).toContain('0.310 [0.290, 0.330]');
    // A level without a result shows a dash, not a zero.
    expect(within(rows[2]!).getAllByRole('cell')[1]!.textContent).toBe('—');
    expect(screen.getByRole('table', { name: 'ndcg@20' })).toBeInTheDocument();

    const charts = screen.getAllByRole('img');
    expect(charts.map((c) => c.getAttribute('aria-label'))).toEqual([
      'recall@20 vs sparsity by Training ratings kept, one line per source',
      'ndcg@20 vs sparsity by Training ratings kept, one line per source',
    ]);
    // Two sources -> two lines in the first chart, with points = levels present.
    const first = container.querySelector('.chart svg')!;
    expect(first.querySelectorAll('g[data-source] > path')).toHaveLength(2);
    expect(first.querySelectorAll('g[data-source="hybrid"] circle')).toHaveLength(2);
    expect(first.querySelectorAll('g[data-source="popularity"] circle')).toHaveLength(1);
  });

  it('shows an unfamiliar report as a raw table', () => {
    render(<ReportView raw={{ when: '2026-01-01', rows: [{ a: 1, b: 2 }] }} />);
    expect(screen.getByText(/unfamiliar layout/i)).toBeInTheDocument();
    expect(screen.getByRole('rowheader', { name: 'when' })).toBeInTheDocument();
    expect(screen.getByRole('columnheader', { name: 'a' })).toBeInTheDocument();
  });
});

describe('EvaluationPage', () => {
  it('shows a friendly empty state when there is no report (404)', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(
        async () =>
          new Response(JSON.stringify({ error: 'not_found', message: 'none' }), { status: 404 }),
      ),
    );
    render(
      <MemoryRouter>
        <EvaluationPage />
      </MemoryRouter>,
    );
    expect(
      await screen.findByRole('heading', { name: 'No evaluation report yet' }),
    ).toBeInTheDocument();
    // It says how the report gets there and how to refresh it, with a real command.
    expect(screen.getByText(/starts the evaluation sweep in the background/)).toBeInTheDocument();
    expect(screen.getByText(EVAL_COMMAND)).toBeInTheDocument();
    expect(EVAL_COMMAND).toMatch(/^build\/recsys eval .*--out work\/eval$/);
  });

  it('shows the error with a retry for server failures', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(
        async () =>
          new Response(JSON.stringify({ error: 'internal', message: 'Report unreadable.' }), {
            status: 500,
          }),
      ),
    );
    render(
      <MemoryRouter>
        <EvaluationPage />
      </MemoryRouter>,
    );
    expect(await screen.findByRole('alert')).toHaveTextContent('Report unreadable.');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });
});

describe('ReportView, nested sweep layout', () => {
  it('renders charts, metric tables and the per-level data table', () => {
    const m = (mean: number) => ({ mean, lo: mean - 0.01, hi: mean + 0.01 });
    render(
      <ReportView
        raw={{
          evaluated_on: 'test',
          dataset: { users: 610, items: 9724, ratings: 100836 },
          levels: [1, 0.5].map((fraction) => ({
            fraction,
            train_ratings: 80000 * fraction,
            results: {
              hybrid: { metrics: { 'recall@20': m(0.3 * fraction), 'ndcg@20': m(0.2 * fraction) } },
              semantic: { metrics: { 'recall@20': m(0.1), 'ndcg@20': m(0.05) } },
            },
          })),
        }}
      />,
    );
    expect(screen.getAllByRole('img')).toHaveLength(2);
    const recall = screen.getByRole('table', { name: 'recall@20' });
    expect(within(recall).getByRole('rowheader', { name: /Content/ })).toBeInTheDocument();
    const perLevel = screen.getByRole('table', { name: 'Per sparsity level' });
    expect(within(perLevel).getAllByRole('row')[2]!.textContent).toBe('50%40,000');
    expect(
      screen.getByText(/Evaluated on the test split · 610 users, 9,724 items, 100,836 ratings/),
    ).toBeInTheDocument();
  });
});

describe('LineChart axis', () => {
  it('picks round tick steps', async () => {
    const { niceStep } = await import('./chartScale');
    expect(niceStep(0.33)).toBeCloseTo(0.1);
    expect(niceStep(0.8)).toBeCloseTo(0.2);
    expect(niceStep(0.045)).toBeCloseTo(0.02);
    expect(niceStep(0)).toBe(0.25);
  });
});
