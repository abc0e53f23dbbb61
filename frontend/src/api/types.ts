// Wire types of the recsys HTTP API (see docs/frontend.md for the contract).

export interface Movie {
  id: number;
  title: string;
  year: number | null;
  genres: string[];
  tmdb_id: number | null;
  /** MovieLens links.csv keeps the numeric part (114709 for tt0114709). */
  imdb_id: number | string | null;
  mean_rating: number | null;
  n_ratings: number;
  poster_url: string;
}

export interface MovieDetail extends Movie {
  overview: string | null;
  tags: string[];
  user_rating: number | null;
}

export interface User {
  id: number;
  username: string;
  created_at: string;
  n_ratings?: number;
}

export interface UserResponse {
  user: User;
}

export interface GenresResponse {
  genres: string[];
}

export interface Source {
  name: string;
  plugin: string;
  version: string;
  description: string;
  capabilities: string[];
}

export interface SourcesResponse {
  default: string;
  /** The source /api/movies/{id}/similar uses without source= (null: none can). */
  default_similar?: string | null;
  sources: Source[];
}

export interface MoviePage {
  page: number;
  page_size: number;
  total: number;
  movies: Movie[];
}

/** GET /api/me/marks: the user's own marks on films. */
export interface Marks {
  ratings: Record<string, number>;
  hidden: number[];
  watchlist: number[];
}

export interface ListEntry {
  movie_id: number;
  list: 'hidden' | 'watchlist';
  added_at: string;
}

export interface ListPage {
  page: number;
  page_size: number;
  total: number;
  items: { movie: Movie; added_at: string }[];
}

/** Browse orders (GET /api/movies?sort=). */
export type MovieSort = 'popularity' | 'rating' | 'year' | 'title';

export interface SimilarResponse {
  movie_id: number;
  source: string;
  items: { movie: Movie; score: number }[];
}

export interface RatingResult {
  movie_id: number;
  rating: number;
  updated_at: string;
}

export interface RatingEntry {
  movie: Movie;
  rating: number;
  updated_at: string;
}

export interface RatingsPage {
  page: number;
  page_size: number;
  total: number;
  ratings: RatingEntry[];
}

export interface ExplanationPart {
  source: string;
  share: number;
}

export interface Explanation {
  because: { id: number; title: string } | null;
  parts: ExplanationPart[];
}

export interface Recommendation {
  movie: Movie;
  score: number;
  explanation: Explanation | null;
}

export interface RecommendationsResponse {
  source: string;
  arm: string | null;
  /** The experiment the arm belongs to (absent on older servers). */
  experiment?: string | null;
  model_version: string | number;
  generated_at: string;
  items: Recommendation[];
}

/** An onboarding pick; `because` names the liked film it is a neighbour of. */
export interface OnboardingMovie extends Movie {
  because?: { id: number; title: string } | null;
}

export interface OnboardingResponse {
  items: OnboardingMovie[];
}

/** The evaluation report is produced by another component; keep it loosely typed. */
export type EvaluationReport = unknown;
