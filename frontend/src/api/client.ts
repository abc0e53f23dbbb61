// Low-level fetch wrapper: JSON in/out, same-origin cookie auth, typed errors.

/** An API failure. `status` is 0 when the server could not be reached at all. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

type UnauthorizedHandler = () => void;
let onUnauthorized: UnauthorizedHandler | null = null;

/** Called on any 401 so the session context can drop a user whose cookie expired. */
export function setUnauthorizedHandler(handler: UnauthorizedHandler | null): void {
  onUnauthorized = handler;
}

const FALLBACK_MESSAGES: Record<number, string> = {
  400: 'The request was not valid.',
  401: 'Please log in.',
  403: 'You are not allowed to do that.',
  404: 'Not found.',
  409: 'That conflicts with existing data.',
  429: 'Too many attempts. Please wait a moment and try again.',
};

function fallbackMessage(status: number): string {
  return (
    FALLBACK_MESSAGES[status] ?? (status >= 500 ? 'The server had a problem.' : 'Request failed.')
  );
}

async function errorFrom(response: Response): Promise<ApiError> {
  let code = `http_${response.status}`;
  let message = fallbackMessage(response.status);
  try {
    // Error bodies are {"error": code, "message": text}; anything else (an HTML
    // proxy page, an empty body) keeps the fallback text.
    const body: unknown = await response.json();
    if (body && typeof body === 'object') {
      const b = body as Record<string, unknown>;
      if (typeof b.error === 'string' && b.error) code = b.error;
      if (typeof b.message === 'string' && b.message) message = b.message;
    }
  } catch {
    /* not JSON */
  }
  return new ApiError(response.status, code, message);
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
  /** Auth probes (GET /api/me, login) expect 401 and must not trigger the global handler. */
  quiet401?: boolean;
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const { method = 'GET', body, signal, quiet401 = false } = options;
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';

  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'Cannot reach the server. Check your connection.');
  }

  if (!response.ok) {
    const error = await errorFrom(response);
    if (response.status === 401 && !quiet401 && onUnauthorized) onUnauthorized();
    throw error;
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  if (!text) return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError(response.status, 'bad_response', 'The server sent an unreadable response.');
  }
}

/** Builds a query string, leaving out empty values. */
export function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    search.set(key, String(value));
  }
  const s = search.toString();
  return s ? `?${s}` : '';
}
