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

/** Like the server: no source= means the user's arm (control = lightgcn) or the default. */
function server(arm: string | null = null, opts: { fail?: string; zeroRatings?: boolean } = {}) {
  return stubFetch((url) => {
    if (url === '/api/sources') return json(SOURCES);
    if (url.startsWith('/api/recommendations')) {
      const asked = new URL(url, 'http://x').searchParams.get('source');
      if (asked && asked === opts.fail)
        return json({ error: 'internal', message: 'the model fell over' }, 500);
      const armSource = arm === 'control' ? 'lightgcn' : 'hybrid';
      const source = opts.zeroRatings ? 'popularity' : (asked ?? (arm ? armSource : 'hybrid'));
      round += 1;
      return json({
        source,
        arm: asked ? null : arm,
        experiment: asked || !arm ? null : 'hybrid-vs-lightgcn',
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
  it('lets the server choose, shows explanations, and polls for fresh lists', async () => {
    const fetch = server();
    render(withAuth(<RecommendationsPage />));
    expect(await screen.findByText('hybrid pick 1')).toBeInTheDocument();
    expect(screen.getByRole('radio', { name: 'Automatic' })).toBeChecked();
    expect(screen.getByText(/^Hybrid · model vv1/)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Usual Suspects' })).toBeInTheDocument();
    expect(screen.queryByText(/A\/B arm/)).toBeNull();

    await act(async () => {
      await vi.advanceTimersByTimeAsync(POLL_MS);
    });
    expect(await screen.findByText('hybrid pick 2')).toBeInTheDocument();
    const recCalls = fetch.mock.calls.filter(([u]) => u.startsWith('/api/recommendations'));
    // No source= until the user picks one: an explicit source overrides the A/B arm.
    expect(recCalls.map(([u]) => u)).toEqual([
      '/api/recommendations?k=20',
      '/api/recommendations?k=20',
    ]);
  }, 15_000); // a 30 s poll under fake timers: slow on a loaded machine

  it('switches source and remembers the choice', async () => {
    const fetch = server();
    render(withAuth(<RecommendationsPage />));
    await screen.findByText('hybrid pick 1');
    fireEvent.click(screen.getByRole('radio', { name: 'LightGCN' }));
    expect(await screen.findByText('lightgcn pick 2')).toBeInTheDocument();
    expect(fetch.mock.calls.at(-1)![0]).toBe('/api/recommendations?source=lightgcn&k=20');
    expect(window.localStorage.getItem('recsys.source')).toBe('lightgcn');
  });

  it('shows the A/B arm the server chose, and leaves it when the user picks a source', async () => {
    const fetch = server('control');
    render(withAuth(<RecommendationsPage />));
    expect(await screen.findByText('A/B arm: control')).toBeInTheDocument();
    expect(screen.getByText('lightgcn pick 1')).toBeInTheDocument();
    expect(fetch.mock.calls.filter(([u]) => u.includes('source=')).length).toBe(0);
    fireEvent.click(screen.getByRole('radio', { name: 'Hybrid' }));
    expect(await screen.findByText('hybrid pick 2')).toBeInTheDocument();
    expect(screen.queryByText(/A\/B arm/)).toBeNull();
    fireEvent.click(screen.getByRole('radio', { name: 'Automatic' }));
    expect(await screen.findByText('A/B arm: control')).toBeInTheDocument();
    expect(fetch.mock.calls.at(-1)![0]).toBe('/api/recommendations?k=20');
    expect(window.localStorage.getItem('recsys.source')).toBeNull();
  });

  it('clears the previous list when switching source fails', async () => {
    server(null, { fail: 'semantic' });
    render(withAuth(<RecommendationsPage />));
    await screen.findByText('hybrid pick 1');
    fireEvent.click(screen.getByRole('radio', { name: 'Content' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('the model fell over');
    expect(screen.queryByText('hybrid pick 1')).toBeNull();
  });

  it('says the hybrid falls back to popular films for a user with no ratings', async () => {
    server(null, { zeroRatings: true });
    render(withAuth(<RecommendationsPage />, 0));
    expect(
      await screen.findByText(
        /Hybrid needs your ratings; until you rate some it shows popular films/,
      ),
    ).toBeInTheDocument();
    expect(screen.getByText(/^Popular · model/)).toBeInTheDocument();
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
