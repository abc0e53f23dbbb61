import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, setUnauthorizedHandler, type User } from '../api';
import { AuthContext, type AuthValue } from './AuthContext';

/** Holds the session user; the session itself is the HttpOnly rs_session cookie. */
export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null | undefined>(undefined);

  useEffect(() => {
    const controller = new AbortController();
    api
      .me({ signal: controller.signal })
      .then(setUser)
      .catch(() => {
        // Server unreachable: treat as logged out; the login page shows errors on submit.
        if (!controller.signal.aborted) setUser(null);
      });
    setUnauthorizedHandler(() => setUser(null));
    return () => {
      controller.abort();
      setUnauthorizedHandler(null);
    };
  }, []);

  const refresh = useCallback(async () => {
    setUser(await api.me());
  }, []);

  const login = useCallback(async (username: string, password: string) => {
    await api.login(username, password);
    // /api/me carries n_ratings, which decides whether to offer onboarding.
    setUser((await api.me()) ?? null);
  }, []);

  const register = useCallback(
    async (username: string, password: string) => {
      await api.register(username, password);
      // Registration may or may not open a session; logging in makes sure it does.
      const me = await api.me();
      if (me) setUser(me);
      else await login(username, password);
    },
    [login],
  );

  const logout = useCallback(async () => {
    try {
      await api.logout();
    } finally {
      setUser(null);
    }
  }, []);

  const deleteAccount = useCallback(async () => {
    await api.deleteAccount();
    setUser(null);
  }, []);

  const value = useMemo<AuthValue>(
    () => ({ user, login, register, logout, deleteAccount, refresh }),
    [user, login, register, logout, deleteAccount, refresh],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}
