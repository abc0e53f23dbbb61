// Typed endpoints of the recsys API. Paths are relative so one build works behind
// `recsys serve` and behind the Vite dev proxy.
import { ApiError, query, request } from './client';
import type {
  EvaluationReport,
  ListEntry,
  ListPage,
  Marks,
  MovieSort,
  GenresResponse,
  MovieDetail,
  MoviePage,
  OnboardingResponse,
  RatingResult,
  RatingsPage,
  RecommendationsResponse,
  SimilarResponse,
  SourcesResponse,
  User,
  UserResponse,
} from './types';

export { ApiError, setUnauthorizedHandler } from './client';
export type * from './types';

type Sig = { signal?: AbortSignal };

export const api = {
  register: (username: string, password: string) =>
    request<UserResponse>('/api/register', {
      method: 'POST',
      body: { username, password },
      quiet401: true,
    }),

  login: (username: string, password: string) =>
    request<UserResponse>('/api/login', {
      method: 'POST',
      body: { username, password },
      quiet401: true,
    }),

  logout: () => request<void>('/api/logout', { method: 'POST', quiet401: true }),

  /** The current user, or null when not logged in. */
  me: async (opts: Sig = {}): Promise<User | null> => {
    try {
      const res = await request<UserResponse>('/api/me', { ...opts, quiet401: true });
      return res.user;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return null;
      throw err;
    }
  },

  deleteAccount: () => request<void>('/api/me', { method: 'DELETE' }),

  genres: (opts: Sig = {}) => request<GenresResponse>('/api/genres', opts),

  sources: (opts: Sig = {}) => request<SourcesResponse>('/api/sources', opts),

  movies: (
    params: {
      query?: string;
      genre?: string;
      sort?: MovieSort;
      page?: number;
      page_size?: number;
    },
    opts: Sig = {},
  ) => request<MoviePage>(`/api/movies${query(params)}`, opts),

  movie: (id: number, opts: Sig = {}) => request<MovieDetail>(`/api/movies/${id}`, opts),

  /** Without `source` the server uses its best similar-capable source. */
  similar: (id: number, k = 12, source?: string, opts: Sig = {}) =>
    request<SimilarResponse>(`/api/movies/${id}/similar${query({ k, source })}`, opts),

  rate: (movieId: number, rating: number) =>
    request<RatingResult>(`/api/ratings/${movieId}`, { method: 'PUT', body: { rating } }),

  unrate: (movieId: number) => request<void>(`/api/ratings/${movieId}`, { method: 'DELETE' }),

  ratings: (params: { page?: number; page_size?: number }, opts: Sig = {}) =>
    request<RatingsPage>(`/api/ratings${query(params)}`, opts),

  recommendations: (params: { source?: string; k?: number }, opts: Sig = {}) =>
    request<RecommendationsResponse>(`/api/recommendations${query(params)}`, opts),

  /** `exclude`: ids already shown, so the server never offers them again. */
  onboarding: (n = 12, exclude: number[] = [], opts: Sig = {}) =>
    request<OnboardingResponse>(`/api/onboarding${query({ n, exclude: exclude.join(',') })}`, opts),

  marks: (opts: Sig = {}) => request<Marks>('/api/me/marks', opts),

  watch: (movieId: number) => request<ListEntry>(`/api/watchlist/${movieId}`, { method: 'PUT' }),
  unwatch: (movieId: number) => request<void>(`/api/watchlist/${movieId}`, { method: 'DELETE' }),
  watchlist: (params: { page?: number; page_size?: number }, opts: Sig = {}) =>
    request<ListPage>(`/api/watchlist${query(params)}`, opts),

  /** "Not interested": the film leaves the user's recommendations. */
  hide: (movieId: number) => request<ListEntry>(`/api/hidden/${movieId}`, { method: 'PUT' }),
  unhide: (movieId: number) => request<void>(`/api/hidden/${movieId}`, { method: 'DELETE' }),
  hidden: (params: { page?: number; page_size?: number }, opts: Sig = {}) =>
    request<ListPage>(`/api/hidden${query(params)}`, opts),

  /** The latest evaluation report, or null when none has been produced (404). */
  evaluation: async (opts: Sig = {}): Promise<EvaluationReport | null> => {
    try {
      return await request<EvaluationReport>('/api/evaluation', opts);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    }
  },
};
