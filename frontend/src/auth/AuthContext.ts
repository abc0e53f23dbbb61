import { createContext, useContext } from 'react';
import type { User } from '../api';

export interface AuthValue {
  /** undefined while the initial GET /api/me is in flight. */
  user: User | null | undefined;
  login: (username: string, password: string) => Promise<void>;
  register: (username: string, password: string) => Promise<void>;
  logout: () => Promise<void>;
  deleteAccount: () => Promise<void>;
  /** Re-reads /api/me (e.g. to refresh n_ratings after rating). */
  refresh: () => Promise<void>;
}

export const AuthContext = createContext<AuthValue | null>(null);

export function useAuth(): AuthValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth must be used inside <AuthProvider>');
  return value;
}
