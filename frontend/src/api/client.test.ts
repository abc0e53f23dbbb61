import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError, setUnauthorizedHandler } from './index';

function respond(status: number, body?: unknown, contentType = 'application/json') {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  return vi.fn(
    async (..._args: unknown[]) =>
      new Response(status === 204 ? null : text, {
        status,
        headers: { 'Content-Type': contentType },
      }),
  );
}

afterEach(() => {
  vi.unstubAllGlobals();
  setUnauthorizedHandler(null);
});

describe('API client', () => {
  it('sends JSON with the session cookie and parses the response', async () => {
    const fetch = respond(200, {
      user: { id: 1, username: 'ann', created_at: '2026-01-01T00:00:00Z' },
    });
    vi.stubGlobal('fetch', fetch);
    const res = await api.login('ann', 'secret-pass');
    expect(res.user.username).toBe('ann');
    const [url, init] = fetch.mock.calls[0] as [string, RequestInit];
    expect(url).toBe('/api/login');
    expect(init.method).toBe('POST');
    expect(init.credentials).toBe('same-origin');
    expect(JSON.parse(init.body as string)).toEqual({ username: 'ann', password: 'secret-pass' });
    expect((init.headers as Record<string, string>)['Content-Type']).toBe('application/json');
  });

  it('builds query strings and leaves out empty parameters', async () => {
    const fetch = respond(200, { page: 2, page_size: 24, total: 0, movies: [] });
    vi.stubGlobal('fetch', fetch);
    await api.movies({ query: 'toy story', genre: '', page: 2, page_size: 24 });
    expect(fetch.mock.calls[0]![0]).toBe('/api/movies?query=toy+story&page=2&page_size=24');
  });

  it('turns {"error","message"} bodies into ApiError with status and code', async () => {
    vi.stubGlobal(
      'fetch',
      respond(409, { error: 'username_taken', message: 'That username is taken.' }),
    );
    const err = await api.register('ann', 'secret-pass').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({
      status: 409,
      code: 'username_taken',
      message: 'That username is taken.',
    });
  });

  it('falls back to a readable message when the error body is not JSON', async () => {
    vi.stubGlobal('fetch', respond(502, '<html>Bad Gateway</html>', 'text/html'));
    const err = (await api.genres().catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(502);
    expect(err.code).toBe('http_502');
    expect(err.message).toBe('The server had a problem.');
  });

  it('explains rate limiting', async () => {
    vi.stubGlobal('fetch', respond(429, ''));
    const err = (await api.login('a', 'b').catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(429);
    expect(err.message).toMatch(/too many/i);
  });

  it('reports network failures as status 0', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))),
    );
    const err = (await api.sources().catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(0);
    expect(err.code).toBe('network');
  });

  it('rethrows aborts untouched', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => Promise.reject(new DOMException('aborted', 'AbortError'))),
    );
    const err = await api.genres().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DOMException);
  });

  it('returns undefined for 204 responses', async () => {
    vi.stubGlobal('fetch', respond(204));
    await expect(api.unrate(5)).resolves.toBeUndefined();
  });

  it('rejects unreadable success bodies', async () => {
    vi.stubGlobal('fetch', respond(200, '{not json', 'application/json'));
    const err = (await api.genres().catch((e: unknown) => e)) as ApiError;
    expect(err.code).toBe('bad_response');
  });

  it('maps 401 on /api/me to "logged out" without calling the global handler', async () => {
    const handler = vi.fn();
    setUnauthorizedHandler(handler);
    vi.stubGlobal('fetch', respond(401, { error: 'unauthorized', message: 'Log in first.' }));
    await expect(api.me()).resolves.toBeNull();
    expect(handler).not.toHaveBeenCalled();
  });

  it('calls the global handler on 401 from other endpoints', async () => {
    const handler = vi.fn();
    setUnauthorizedHandler(handler);
    vi.stubGlobal('fetch', respond(401, { error: 'unauthorized', message: 'Log in first.' }));
    await expect(api.ratings({ page: 1 })).rejects.toMatchObject({ status: 401 });
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('maps a missing evaluation report (404) to null but keeps other errors', async () => {
    vi.stubGlobal('fetch', respond(404, { error: 'not_found', message: 'No report.' }));
    await expect(api.evaluation()).resolves.toBeNull();
    vi.stubGlobal('fetch', respond(500, { error: 'internal', message: 'Broken report.' }));
    await expect(api.evaluation()).rejects.toMatchObject({
      status: 500,
      message: 'Broken report.',
    });
  });

  it('sends ratings as PUT with the value', async () => {
    const fetch = respond(200, { movie_id: 7, rating: 4.5, updated_at: '2026-01-01T00:00:00Z' });
    vi.stubGlobal('fetch', fetch);
    await api.rate(7, 4.5);
    const [url, init] = fetch.mock.calls[0] as [string, RequestInit];
    expect(url).toBe('/api/ratings/7');
    expect(init.method).toBe('PUT');
    expect(JSON.parse(init.body as string)).toEqual({ rating: 4.5 });
  });
});
