import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MarksProvider } from '../marks/MarksProvider';
import { RecommendationsPage } from '../pages/recommendations/RecommendationsPage';
import { json, movie, stubFetch, withAuth } from '../test/fixtures';

/** The server's view: marks, lists and ratings, changed by the requests. */
function server() {
  const ratings: Record<string, number> = { '1': 4 };
  const watchlist = new Set([2]);
  const hidden = new Set<number>();
  const fetch = stubFetch((url, init) => {
    const method = init.method ?? 'GET';
    const id = Number(url.split('/').pop());
    if (url === '/api/me/marks')
      return json({ ratings, hidden: [...hidden], watchlist: [...watchlist] });
    if (url === '/api/sources')
      return json({
        default: 'hybrid',
        sources: [
          {
            name: 'hybrid',
            plugin: 'hybrid',
            version: '1',
            description: '',
            capabilities: ['recommend'],
          },
        ],
      });
    if (url.startsWith('/api/recommendations'))
      return json({
        source: 'hybrid',
        arm: null,
        model_version: 1,
        generated_at: '2026-01-01T10:00:00Z',
        items: [1, 2, 3]
          .filter((i) => !hidden.has(i))
          .map((i) => ({ movie: movie(i), score: 1, explanation: null })),
      });
    if (url.startsWith('/api/ratings/')) {
      const { rating } = JSON.parse(init.body as string) as { rating: number };
      ratings[String(id)] = rating;
      return json({ movie_id: id, rating, updated_at: 'now' });
    }
    if (url.startsWith('/api/watchlist/')) {
      if (method === 'PUT') watchlist.add(id);
      else watchlist.delete(id);
      return method === 'PUT'
        ? json({ movie_id: id, list: 'watchlist', added_at: 'now' })
        : json(null, 204);
    }
    if (url.startsWith('/api/hidden/')) {
      if (method === 'PUT') hidden.add(id);
      else hidden.delete(id);
      return method === 'PUT'
        ? json({ movie_id: id, list: 'hidden', added_at: 'now' })
        : json(null, 204);
    }
    return json({ error: 'not_found', message: url }, 404);
  });
  return { fetch, ratings, watchlist, hidden };
}

beforeEach(() => {
  vi.useFakeTimers({ shouldAdvanceTime: true });
  window.localStorage.clear();
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

function card(title: string) {
  return screen.getByRole('link', { name: title }).closest('article')!;
}

describe('card actions', () => {
  it('show the user’s own marks and rate, save and hide straight from a card', async () => {
    const s = server();
    render(
      withAuth(
        <MarksProvider>
          <RecommendationsPage />
        </MarksProvider>,
      ),
    );
    await screen.findByRole('link', { name: 'Movie 3' });
    // Own rating and watchlist state on every card.
    expect(await screen.findByRole('slider', { name: 'Your rating for Movie 1' })).toHaveAttribute(
      'aria-valuenow',
      '4',
    );
    expect(screen.getByRole('button', { name: 'Watchlist: Movie 2' })).toHaveAttribute(
      'aria-pressed',
      'true',
    );
    expect(screen.getByRole('button', { name: 'Watchlist: Movie 1' })).toHaveAttribute(
      'aria-pressed',
      'false',
    );

    // Rate from the card.
    fireEvent.keyDown(within(card('Movie 3')).getByRole('slider'), { key: '5' });
    await act(async () => {
      await vi.advanceTimersByTimeAsync(1000);
    });
    expect(s.ratings['3']).toBe(5);

    // Save for later, then take it off again.
    fireEvent.click(screen.getByRole('button', { name: 'Watchlist: Movie 1' }));
    expect(screen.getByRole('button', { name: 'Watchlist: Movie 1' })).toHaveAttribute(
      'aria-pressed',
      'true',
    );
    await act(async () => undefined);
    expect(s.watchlist.has(1)).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Watchlist: Movie 2' }));
    await act(async () => undefined);
    expect(s.watchlist.has(2)).toBe(false);

    // Not interested: the card gives way to an Undo, stored on the server.
    fireEvent.click(screen.getByRole('button', { name: 'Not interested in Movie 2' }));
    expect(await screen.findByText(/won.t be recommended again/)).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Movie 2' })).toBeNull();
    await act(async () => undefined);
    expect(s.hidden.has(2)).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Undo: show Movie 2 again' }));
    expect(await screen.findByRole('link', { name: 'Movie 2' })).toBeInTheDocument();
    await act(async () => undefined);
    expect(s.hidden.has(2)).toBe(false);
  }, 20_000);
});
