import { act, fireEvent, render, screen } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router-dom';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthContext } from '../../auth/AuthContext';
import { authValue, json, movie, stubFetch } from '../../test/fixtures';
import { MoviePage } from './MoviePage';
import { chooseSimilarSource } from './similarSource';

const auth = authValue();

function src(name: string, capabilities = ['recommend', 'similar']) {
  return { name, plugin: name, version: '1', description: '', capabilities };
}
const SOURCES = {
  default: 'hybrid',
  default_similar: 'lightgcn',
  sources: [
    src('popularity', ['recommend']),
    src('lightgcn'),
    src('semantic'),
    src('hybrid', ['recommend']),
  ],
};

function detail(id: number, title = `Movie ${id}`) {
  return { ...movie(id, title), overview: '', tags: [], user_rating: null };
}

function renderAt(path: string) {
  const router = createMemoryRouter([{ path: '/movies/:id', element: <MoviePage /> }], {
    initialEntries: [path],
  });
  render(
    <AuthContext.Provider value={auth}>
      <RouterProvider router={router} />
    </AuthContext.Provider>,
  );
  return router;
}

beforeEach(() => window.localStorage.clear());
afterEach(() => vi.unstubAllGlobals());

describe('MoviePage', () => {
  it('shows the natural title and similar movies from the server’s default similar source', async () => {
    const fetch = stubFetch((url) => {
      if (url === '/api/sources') return json(SOURCES);
      if (url.startsWith('/api/movies/2571/similar')) {
        const source = new URL(url, 'http://x').searchParams.get('source');
        return json({
          movie_id: 2571,
          source,
          items: [{ movie: movie(9, `${source} neighbour`), score: 1 }],
        });
      }
      if (url === '/api/movies/2571') return json(detail(2571, 'Matrix, The'));
      return json({ error: 'not_found', message: url }, 404);
    });
    renderAt('/movies/2571');
    expect(await screen.findByRole('heading', { level: 1 })).toHaveTextContent('The Matrix');
    expect(await screen.findByText('lightgcn neighbour')).toBeInTheDocument();
    // Only similar-capable sources are offered; the default is checked.
    expect(screen.getByRole('radio', { name: 'LightGCN' })).toBeChecked();
    expect(screen.queryByRole('radio', { name: 'Popular' })).toBeNull();
    fireEvent.click(screen.getByRole('radio', { name: 'Content' }));
    expect(await screen.findByText('semantic neighbour')).toBeInTheDocument();
    expect(fetch.mock.calls.at(-1)![0]).toBe('/api/movies/2571/similar?k=12&source=semantic');
    expect(window.localStorage.getItem('recsys.similarSource')).toBe('semantic');
  });

  it('falls back sensibly when choosing the similar source', () => {
    expect(chooseSimilarSource(SOURCES, 'semantic')).toBe('semantic');
    expect(chooseSimilarSource(SOURCES, 'gone')).toBe('lightgcn');
    expect(chooseSimilarSource({ ...SOURCES, default_similar: null }, '')).toBe('lightgcn');
    expect(chooseSimilarSource({ default: 'p', sources: [src('p', ['recommend'])] }, '')).toBe('');
    expect(chooseSimilarSource(undefined, 'x')).toBe('');
  });

  it('never shows the previous movie’s rating stars while the next one loads', async () => {
    let finish: (r: Response) => void = () => undefined;
    stubFetch((url) => {
      if (url === '/api/sources') return json(SOURCES);
      if (url.includes('/similar')) return json({ movie_id: 0, source: 'lightgcn', items: [] });
      if (url === '/api/movies/1') return json(detail(1, 'Heat'));
      return new Promise<Response>((resolve) => {
        finish = resolve;
      });
    });
    const router = renderAt('/movies/1');
    expect(await screen.findByRole('slider', { name: 'Your rating for Heat' })).toBeInTheDocument();
    await act(async () => {
      await router.navigate('/movies/2');
    });
    expect(screen.queryByRole('slider', { name: /Your rating for/ })).toBeNull();
    expect(screen.getByText('Loading movie…')).toBeInTheDocument();
    await act(async () => finish(json(detail(2, 'Alien'))));
    expect(
      await screen.findByRole('slider', { name: 'Your rating for Alien' }),
    ).toBeInTheDocument();
  });

  it('says "No such movie" for an unknown id instead of offering a retry', async () => {
    stubFetch((url) => {
      if (url === '/api/sources') return json(SOURCES);
      return json({ error: 'not_found', message: 'no movie with id 999999' }, 404);
    });
    renderAt('/movies/999999');
    expect(await screen.findByRole('heading', { name: 'No such movie' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Try again' })).toBeNull();
  });
});
