import { useEffect, useId, useState, type FormEvent } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router-dom';
import { useAuth } from '../../auth/AuthContext';
import { errorText } from '../../format';
import { ONBOARDING_TARGET } from '../onboarding/OnboardingPage';
import './LoginPage.css';

type Mode = 'login' | 'register';

export function LoginPage() {
  const { user, login, register } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from;
  const [mode, setMode] = useState<Mode>('login');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const ids = { user: useId(), pass: useId(), hint: useId() };

  useEffect(() => {
    document.title = mode === 'login' ? 'Log in · recsys' : 'Create account · recsys';
  }, [mode]);

  if (user) {
    const fresh = (user.n_ratings ?? 0) < ONBOARDING_TARGET && mode === 'register';
    return <Navigate to={fresh ? '/onboarding' : (from ?? '/recommendations')} replace />;
  }

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      if (mode === 'login') {
        await login(username.trim(), password);
        navigate(from ?? '/recommendations', { replace: true });
      } else {
        await register(username.trim(), password);
        navigate('/onboarding', { replace: true });
      }
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  function switchMode(next: Mode) {
    setMode(next);
    setError(null);
  }

  return (
    <div className="login-page">
      <div className="login-hero" aria-hidden="true">
        <div className="login-hero-text">
          <span className="brand-mark">▶</span>
          <p>Tonight&apos;s picks, chosen from what you love.</p>
        </div>
      </div>
      <section className="login-panel" aria-labelledby="login-heading">
        <h1 id="login-heading" className="login-title">
          recsys
        </h1>
        <p className="login-subtitle">Rate a few movies, get recommendations from four models.</p>
        <div className="tabs" role="group" aria-label="Account">
          <button
            type="button"
            aria-pressed={mode === 'login'}
            className="tab"
            onClick={() => switchMode('login')}
          >
            Log in
          </button>
          <button
            type="button"
            aria-pressed={mode === 'register'}
            className="tab"
            onClick={() => switchMode('register')}
          >
            Create account
          </button>
        </div>
        <form className="form" onSubmit={onSubmit} noValidate={false}>
          <div className="field">
            <label htmlFor={ids.user}>Username</label>
            <input
              id={ids.user}
              name="username"
              autoComplete="username"
              required
              minLength={mode === 'register' ? 3 : 1}
              maxLength={64}
              value={username}
              onChange={(e) => setUsername(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={ids.pass}>Password</label>
            <input
              id={ids.pass}
              name="password"
              type="password"
              autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
              required
              minLength={mode === 'register' ? 8 : 1}
              aria-describedby={mode === 'register' ? ids.hint : undefined}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
            {mode === 'register' && (
              <span id={ids.hint} className="field-hint">
                At least 8 characters.
              </span>
            )}
          </div>
          {error !== null && (
            <p className="form-error" role="alert">
              {errorText(error)}
            </p>
          )}
          <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
            {busy ? 'Please wait…' : mode === 'login' ? 'Log in' : 'Create account'}
          </button>
        </form>
      </section>
    </div>
  );
}
