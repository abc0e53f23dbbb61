import { useEffect, useRef, useState } from 'react';
import { NavLink, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { useAuth } from '../auth/AuthContext';

const LINKS = [
  { to: '/recommendations', label: 'For you' },
  { to: '/browse', label: 'Browse' },
  { to: '/watchlist', label: 'Watchlist' },
  { to: '/ratings', label: 'My ratings' },
  { to: '/evaluation', label: 'Evaluation' },
];

export function Layout() {
  const { user, logout } = useAuth();
  const navigate = useNavigate();
  const [busy, setBusy] = useState(false);
  const { pathname } = useLocation();
  const firstRender = useRef(true);

  // A new page starts at the top and moves keyboard and screen-reader focus to
  // the content, as a full page load would; query-string changes (typing a
  // search) keep scroll and focus where they are. focus() must not scroll:
  // it would align <main> with the viewport top, under the sticky header.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    window.scrollTo({ top: 0, left: 0 });
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [pathname]);

  async function onLogout() {
    setBusy(true);
    try {
      await logout();
    } finally {
      setBusy(false);
      navigate('/login', { replace: true });
    }
  }

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <div className="site-header-inner">
          <NavLink to="/recommendations" className="brand" aria-label="recsys home">
            <span className="brand-mark" aria-hidden="true">
              ▶
            </span>
            recsys
          </NavLink>
          <nav className="main-nav" aria-label="Main">
            {LINKS.map((l) => (
              <NavLink key={l.to} to={l.to} className="nav-link">
                {l.label}
              </NavLink>
            ))}
          </nav>
          {user && (
            <div className="user-menu">
              <span className="user-name" title="Logged in">
                {user.username}
              </span>
              <button type="button" className="btn btn-ghost" onClick={onLogout} disabled={busy}>
                Log out
              </button>
            </div>
          )}
        </div>
      </header>
      <main id="main" className="site-main" tabIndex={-1}>
        <Outlet />
      </main>
      <footer className="site-footer">
        Ratings from MovieLens · recommendations by recsys plugins
      </footer>
    </div>
  );
}
