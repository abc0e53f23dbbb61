import { act, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { json, movie, stubFetch, withAuth } from '../../test/fixtures';
import { FOLLOW_UP, OnboardingPage, PAGE } from './OnboardingPage';

/** Like the server: never offers an excluded id; after a 4+ rating, neighbours come with a reason. */
function server() {
  let next = 1;
  let liked: { id: number; title: string } | null = null;
  return stubFetch((url, init) => {
    if (url.startsWith('/api/ratings/')) {
      const id = Number(url.split('/').pop());
      const { rating } = JSON.parse(init.body as string) as { rating: number };
      if (rating >= 4) liked = { id, title: `Movie ${id}` };
      return json({ movie_id: id, rating, updated_at: 'now' });
    }
    if (url.startsWith('/api/onboarding')) {
      const p = new URL(url, 'http://x').searchParams;
      const n = Number(p.get('n'));
      const exclude = new Set((p.get('exclude') ?? '').split(',').filter(Boolean).map(Number));
      const items = [];
      while (items.length < n) {
        const id = next++;
        if (exclude.has(id)) continue;
        items.push({ ...movie(id), because: liked && items.length % 2 === 0 ? liked : null });
      }
      return json({ items });
    }
    return json({ error: 'not_found', message: url }, 404);
  });
}

beforeEach(() => vi.useFakeTimers({ shouldAdvanceTime: true }));
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

function onboardingCalls(fetch: ReturnType<typeof server>) {
  return fetch.mock.calls
    .map(([u]) => new URL(u, 'http://x'))
    .filter((u) => u.pathname === '/api/onboarding');
}

describe('OnboardingPage', () => {
  it('adds picks that follow each new rating and never repeats a film', async () => {
    const fetch = server();
    render(withAuth(<OnboardingPage />, 0));
    await screen.findByText('Movie 1');
    expect(screen.getAllByRole('slider')).toHaveLength(PAGE);

    fireEvent.keyDown(screen.getByRole('slider', { name: 'Your rating for Movie 1' }), {
      key: '5',
    });
    await act(async () => {
      await vi.advanceTimersByTimeAsync(1000);
    });
    // The follow-up request lists everything shown so far.
    const follow = onboardingCalls(fetch).at(-1)!;
    expect(follow.searchParams.get('n')).toBe(String(FOLLOW_UP));
    expect(follow.searchParams.get('exclude')!.split(',')).toHaveLength(PAGE);
    expect(await screen.findByText('Movie 13')).toBeInTheDocument();
    expect(screen.getAllByRole('slider')).toHaveLength(PAGE + FOLLOW_UP);
    expect(screen.getAllByText(/Because you liked/).length).toBeGreaterThan(0);
    expect(screen.getAllByRole('link', { name: 'Movie 1' }).length).toBeGreaterThan(1);

    // Changing that rating again does not add more.
    fireEvent.keyDown(screen.getByRole('slider', { name: 'Your rating for Movie 1' }), {
      key: 'ArrowLeft',
    });
    await act(async () => {
      await vi.advanceTimersByTimeAsync(1000);
    });
    expect(screen.getAllByRole('slider')).toHaveLength(PAGE + FOLLOW_UP);

    // "Show other movies" keeps the rated film, replaces the rest, and excludes all shown.
    fireEvent.click(screen.getByRole('button', { name: 'Show other movies' }));
    expect(await screen.findByText(`Movie ${PAGE + FOLLOW_UP + 1}`)).toBeInTheDocument();
    const other = onboardingCalls(fetch).at(-1)!;
    expect(other.searchParams.get('exclude')!.split(',')).toHaveLength(PAGE + FOLLOW_UP);
    expect(screen.getByRole('slider', { name: 'Your rating for Movie 1' })).toBeInTheDocument();
    expect(screen.queryByRole('slider', { name: 'Your rating for Movie 2' })).toBeNull();
    const titles = screen.getAllByRole('slider').map((s) => s.getAttribute('aria-label'));
    expect(new Set(titles).size).toBe(titles.length);
  }, 20_000); // several debounced saves: slow on a loaded machine
});
