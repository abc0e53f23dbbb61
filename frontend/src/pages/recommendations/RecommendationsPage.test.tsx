import { act, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { json, movie, stubFetch, withAuth } from '../../test/fixtures';
import { POLL_MS, RecommendationsPage } from './RecommendationsPage';

const SOURCES = {
  default: 'hybrid',
  sources: ['popularity', 'semantic', 'lightgcn', 'hybrid'].map((name) => ({
    name,
    plugin: name,
    version: '1.0.0',
    description: '',
    capabilities: ['fit', 'recommend'],
  })),
};

let round = 0;

function server(arm: string | null = null) {
  return stubFetch((url) => {
    if (url === '/api/sources') return json(SOURCES);
    if (url.startsWith('/api/recommendations')) {
      const source = new URL(url, 'http://x').searchParams.get('source');
      round += 1;
      return json({
        source,
        arm,
        model_version: 'v1',
        generated_at: '2026-01-01T10:00:00Z',
        items: [
          {
            movie: movie(round, `${source} pick ${round}`),
            score: 1,
            explanation: { because: { id: 50, title: 'Usual Suspects' }, parts: [] },
          },
        ],
      });
    }
    return json({ error: 'not_found', message: url }, 404);
  });
}

beforeEach(() => {
  round = 0;
  vi.useFakeTimers({ shouldAdvanceTime: true });
  window.localStorage.clear();
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('RecommendationsPage', () => {
  it('loads the default source, shows explanations, and polls for fresh lists', async () => {
    const fetch = server();
    render(withAuth(<RecommendationsPage />));
    expect(await screen.findByText('hybrid pick 1')).toBeInTheDocument();
    expect(screen.getByRole('radio', { name: 'Hybrid' })).toBeChecked();
    expect(screen.getByRole('link', { name: 'Usual Suspects' })).toBeInTheDocument();
    expect(screen.queryByText(/A\/B arm/)).toBeNull();

    await act(async () => {
      await vi.advanceTimersByTimeAsync(POLL_MS);
    });
    expect(await screen.findByText('hybrid pick 2')).toBeInTheDocument();
    const recCalls = fetch.mock.calls.filter(([u]) => u.startsWith('/api/recommendations'));
    expect(recCalls.map(([u]) => u)).toEqual([
      '/api/recommendations?source=hybrid&k=20',
      '/api/recommendations?source=hybrid&k=20',
    ]);
  });

  it('switches source and remembers the choice', async () => {
    const fetch = server();
    render(withAuth(<RecommendationsPage />));
    await screen.findByText('hybrid pick 1');
    fireEvent.click(screen.getByRole('radio', { name: 'LightGCN' }));
    expect(await screen.findByText('lightgcn pick 2')).toBeInTheDocument();
    expect(fetch.mock.calls.at(-1)![0]).toBe('/api/recommendations?source=lightgcn&k=20');
    expect(window.localStorage.getItem('recsys.source')).toBe('lightgcn');
  });

  it('shows the A/B arm badge when the user is in an experiment', async () => {
    server('treatment');
    render(withAuth(<RecommendationsPage />));
    expect(await screen.findByText('A/B arm: treatment')).toBeInTheDocument();
  });

  it('suggests onboarding to users with few ratings', async () => {
    server();
    render(withAuth(<RecommendationsPage />, 2));
    expect(await screen.findByRole('link', { name: 'Rate a few more' })).toHaveAttribute(
      'href',
      '/onboarding',
    );
  });
});
