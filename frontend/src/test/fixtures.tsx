import type { ReactNode } from 'react';
import { MemoryRouter } from 'react-router-dom';
import { vi } from 'vitest';
import type { Movie } from '../api';
import { AuthContext, type AuthValue } from '../auth/AuthContext';

export function movie(id: number, title = `Movie ${id}`): Movie {
  return {
    id,
    title,
    year: 1990 + (id % 30),
    genres: ['Drama'],
    tmdb_id: null,
    imdb_id: null,
    mean_rating: 3.5,
    n_ratings: 10,
    poster_url: `/api/posters/${id}`,
  };
}

export function json(body: unknown, status = 200): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

export type Route = (url: string, init: RequestInit) => Response | Promise<Response>;

/** Stubs fetch with a router; returns the mock so tests can inspect calls. */
export function stubFetch(route: Route) {
  const fn = vi.fn(async (url: string, init: RequestInit) => route(url, init ?? {}));
  vi.stubGlobal('fetch', fn);
  return fn;
}

/** A logged-in user "ann" with nRatings ratings; every action is a mock. */
export function authValue(nRatings = 12): AuthValue {
  return {
    user: { id: 1, username: 'ann', created_at: '2026-01-01T00:00:00Z', n_ratings: nRatings },
    login: vi.fn(),
    register: vi.fn(),
    logout: vi.fn(),
    deleteAccount: vi.fn(),
    refresh: vi.fn(async () => undefined),
  };
}

export function withAuth(children: ReactNode, nRatings = 12, path = '/') {
  return (
    <AuthContext.Provider value={authValue(nRatings)}>
      <MemoryRouter initialEntries={[path]}>{children}</MemoryRouter>
    </AuthContext.Provider>
  );
}
