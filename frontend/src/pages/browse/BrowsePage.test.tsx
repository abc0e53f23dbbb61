import { act, fireEvent, render, screen } from '@testing-library/react';
import { Link, MemoryRouter, Route, Routes } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, movie, stubFetch } from '../../test/fixtures';
import { BrowsePage } from './BrowsePage';

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

function catalogue() {
  return stubFetch((url) => {
    if (url === '/api/genres') return json({ genres: ['Comedy', 'Drama'] });
    const p = new URL(url, 'http://x').searchParams;
    const q = p.get('query') ?? '';
    const page = Number(p.get('page') ?? 1);
    return json({
      page,
      page_size: 24,
      total: 50,
      movies: [movie(page * 100 + 1, `${q || 'any'} ${p.get('genre') ?? ''} p${page}`.trim())],
    });
  });
}

function renderAt(path: string) {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <Routes>
        <Route
          path="/browse"
          element={
            <>
              <Link to="/browse?q=heat">go heat</Link>
              <BrowsePage />
            </>
          }
        />
      </Routes>
    </MemoryRouter>,
  );
}

describe('BrowsePage', () => {
  it('reads query, genre and page from the URL', async () => {
    const fetch = catalogue();
    renderAt('/browse?q=toy&genre=Comedy&page=2');
    expect(await screen.findByText('toy Comedy p2')).toBeInTheDocument();
    expect(screen.getByLabelText('Search titles')).toHaveValue('toy');
    expect(fetch.mock.calls.map(([u]) => u)).toContain(
      '/api/movies?query=toy&genre=Comedy&page=2&page_size=24',
    );
    expect(screen.getByText('Page 2 of 3')).toBeInTheDocument();
  });

  it('searches after typing stops and goes back to page 1', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    catalogue();
    renderAt('/browse?page=2');
    await screen.findByText('any p2');
    fireEvent.change(screen.getByLabelText('Search titles'), { target: { value: 'alien ' } });
    await act(async () => {
      await vi.advanceTimersByTimeAsync(400);
    });
    expect(await screen.findByText('alien p1')).toBeInTheDocument();
    // The trailing space the user is typing survives the URL update.
    expect(screen.getByLabelText('Search titles')).toHaveValue('alien ');
  });

  it('follows the URL when it changes from outside', async () => {
    catalogue();
    renderAt('/browse?q=toy');
    await screen.findByText('toy p1');
    fireEvent.click(screen.getByRole('link', { name: 'go heat' }));
    expect(await screen.findByText('heat p1')).toBeInTheDocument();
    expect(screen.getByLabelText('Search titles')).toHaveValue('heat');
  });

  it('filters by genre from /api/genres', async () => {
    const fetch = catalogue();
    renderAt('/browse');
    await screen.findByRole('option', { name: 'Drama' });
    fireEvent.change(screen.getByLabelText('Genre'), { target: { value: 'Drama' } });
    expect(await screen.findByText('any Drama p1')).toBeInTheDocument();
    expect(fetch.mock.calls.at(-1)![0]).toBe('/api/movies?genre=Drama&page=1&page_size=24');
  });

  it('explains an over-long search instead of sending it', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const fetch = catalogue();
    renderAt('/browse');
    await screen.findByText('any p1');
    const box = screen.getByLabelText('Search titles');
    fireEvent.change(box, { target: { value: 'x'.repeat(3000) } });
    await act(async () => {
      await vi.advanceTimersByTimeAsync(400);
    });
    expect(screen.getByRole('alert')).toHaveTextContent(
      'Search text can be at most 200 characters (this is 3000)',
    );
    expect(box).toHaveAttribute('aria-invalid', 'true');
    expect(fetch.mock.calls.some(([u]) => u.includes('xxx'))).toBe(false);
  });

  it('explains an over-long search that arrives in the URL', async () => {
    const fetch = catalogue();
    renderAt(`/browse?q=${'y'.repeat(250)}`);
    expect(await screen.findByRole('alert')).toHaveTextContent('at most 200 characters');
    expect(fetch.mock.calls.some(([u]) => u.startsWith('/api/movies'))).toBe(false);
  });

  it('sorts by the chosen order, kept in the URL, from page 1', async () => {
    const fetch = catalogue();
    renderAt('/browse?genre=Comedy&page=2');
    await screen.findByText('any Comedy p2');
    fireEvent.change(screen.getByLabelText('Sort by'), { target: { value: 'rating' } });
    expect(await screen.findByText('any Comedy p1')).toBeInTheDocument();
    expect(fetch.mock.calls.at(-1)![0]).toBe(
      '/api/movies?genre=Comedy&sort=rating&page=1&page_size=24',
    );
    expect(screen.getByLabelText('Sort by')).toHaveValue('rating');
    // Page numbers jump straight to a page.
    fireEvent.click(screen.getByRole('button', { name: 'Page 3' }));
    expect(await screen.findByText('any Comedy p3')).toBeInTheDocument();
    expect(fetch.mock.calls.at(-1)![0]).toBe(
      '/api/movies?genre=Comedy&sort=rating&page=3&page_size=24',
    );
  });
});
