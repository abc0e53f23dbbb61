import { act, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { json, stubFetch } from '../test/fixtures';
import { RatingControl } from './RatingControl';

beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

async function settle() {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(1000);
  });
}

describe('RatingControl', () => {
  it('saves only the last of several quick changes', async () => {
    const fetch = stubFetch((_url, init) => {
      const { rating } = JSON.parse(init.body as string) as { rating: number };
      return json({ movie_id: 7, rating, updated_at: 'now' });
    });
    const onSaved = vi.fn();
    render(<RatingControl movieId={7} title="Heat" initial={null} onSaved={onSaved} />);
    const slider = screen.getByRole('slider', { name: 'Your rating for Heat' });
    fireEvent.keyDown(slider, { key: '3' });
    fireEvent.keyDown(slider, { key: 'ArrowRight' });
    fireEvent.keyDown(slider, { key: 'ArrowRight' });
    // Shown at once, saved later.
    expect(slider).toHaveAttribute('aria-valuenow', '4');
    expect(fetch).not.toHaveBeenCalled();
    await settle();
    expect(fetch).toHaveBeenCalledTimes(1);
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe('/api/ratings/7');
    expect(JSON.parse(init.body as string)).toEqual({ rating: 4 });
    expect(onSaved).toHaveBeenCalledTimes(1);
  });

  it('says "Saving…" while the request runs, then "Saved" until the next change', async () => {
    let release: () => void = () => undefined;
    stubFetch(
      (_url, init) =>
        new Promise((resolve) => {
          release = () =>
            resolve(
              json({
                movie_id: 7,
                rating: JSON.parse(init.body as string).rating,
                updated_at: 'now',
              }),
            );
        }),
    );
    render(<RatingControl movieId={7} title="Heat" initial={null} />);
    const slider = screen.getByRole('slider', { name: 'Your rating for Heat' });
    const status = screen.getByRole('status');
    fireEvent.keyDown(slider, { key: '4' });
    expect(status).toHaveTextContent('');
    await settle();
    expect(status).toHaveTextContent('Saving…');
    await act(async () => {
      release();
      await vi.advanceTimersByTimeAsync(10);
    });
    expect(status).toHaveTextContent('Saved');
    fireEvent.keyDown(slider, { key: 'ArrowRight' });
    expect(status).not.toHaveTextContent('Saved');
  });

  it('removes a rating with DELETE', async () => {
    const fetch = stubFetch(() => json(null, 204));
    render(<RatingControl movieId={9} title="Alien" initial={4.5} />);
    fireEvent.click(screen.getByRole('button', { name: 'Remove rating for Alien' }));
    await settle();
    expect(fetch.mock.calls[0]![0]).toBe('/api/ratings/9');
    expect(fetch.mock.calls[0]![1].method).toBe('DELETE');
    expect(screen.getByRole('slider')).toHaveAttribute('aria-valuetext', 'Not rated');
    expect(screen.queryByRole('button', { name: /remove/i })).toBeNull();
  });

  it('reverts to the saved value and shows the error when saving fails', async () => {
    stubFetch(() => json({ error: 'invalid_rating', message: 'Rating must be 0.5-5.' }, 400));
    render(<RatingControl movieId={3} title="Up" initial={2} />);
    const slider = screen.getByRole('slider');
    fireEvent.keyDown(slider, { key: 'End' });
    expect(slider).toHaveAttribute('aria-valuenow', '5');
    await settle();
    expect(slider).toHaveAttribute('aria-valuenow', '2');
    expect(screen.getByRole('alert')).toHaveTextContent('Rating must be 0.5-5.');
  });
});
