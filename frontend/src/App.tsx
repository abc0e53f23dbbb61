import { HashRouter, Navigate, Route, Routes, useLocation } from 'react-router-dom';
import type { ReactNode } from 'react';
import { AuthProvider } from './auth/AuthProvider';
import { useAuth } from './auth/AuthContext';
import { Layout } from './layout/Layout';
import { Loading } from './components/Status';
import { LoginPage } from './pages/login/LoginPage';
import { OnboardingPage } from './pages/onboarding/OnboardingPage';
import { BrowsePage } from './pages/browse/BrowsePage';
import { MoviePage } from './pages/movie/MoviePage';
import { RatingsPage } from './pages/ratings/RatingsPage';
import { RecommendationsPage } from './pages/recommendations/RecommendationsPage';
import { EvaluationPage } from './pages/evaluation/EvaluationPage';
import { WatchlistPage } from './pages/watchlist/WatchlistPage';
import { MarksProvider } from './marks/MarksProvider';

function RequireUser({ children }: { children: ReactNode }) {
  const { user } = useAuth();
  const location = useLocation();
  if (user === undefined) return <Loading label="Checking your session…" />;
  if (user === null)
    return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return <>{children}</>;
}

function AppRoutes() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route
        element={
          <RequireUser>
            <MarksProvider>
              <Layout />
            </MarksProvider>
          </RequireUser>
        }
      >
        <Route path="/onboarding" element={<OnboardingPage />} />
        <Route path="/browse" element={<BrowsePage />} />
        <Route path="/movies/:id" element={<MoviePage />} />
        <Route path="/ratings" element={<RatingsPage />} />
        <Route path="/recommendations" element={<RecommendationsPage />} />
        <Route path="/watchlist" element={<WatchlistPage />} />
        <Route path="/evaluation" element={<EvaluationPage />} />
        <Route path="*" element={<Navigate to="/recommendations" replace />} />
      </Route>
    </Routes>
  );
}

// Hash routing: `recsys serve` serves dist/ as static files, so deep links and
// reloads must not depend on a server-side index.html fallback.
export function App() {
  return (
    <AuthProvider>
      <HashRouter>
        <AppRoutes />
      </HashRouter>
    </AuthProvider>
  );
}
