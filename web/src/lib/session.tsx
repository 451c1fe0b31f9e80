/**
 * Who is signed in, for every page: read once from `GET /auth/session` (401: nobody, the public view), with the
 * sign-in methods the server offers (`GET /auth/methods`). The CSRF token of the session goes to lib/api.ts, which
 * sends it with every write. Pages read it with `useSession()`.
 */
import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useState } from 'preact/hooks';
import { getJson, request, setCsrfToken } from './api';

export type Role = 'consumer' | 'establishment' | 'analyst' | 'admin';

export interface SessionUser {
  kind: 'user' | 'client';
  id: string;
  name?: string;
  role: Role;
  finess: string[];
  accessProfile: number;
  csrfToken: string;
  expiresAt: string;
}

export interface SignInMethods {
  saml?: string;
  oidc?: string;
  demo?: string;
}

export interface SessionState {
  /** Still asking the server. */
  loading: boolean;
  user?: SessionUser;
  methods: SignInMethods;
  /** Reads the session again (after signing in or out). */
  refresh(): Promise<void>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionState>({ loading: true, methods: {}, refresh: async () => {}, signOut: async () => {} });

export function useSession(): SessionState {
  return useContext(SessionContext);
}

export const ROLE_LABELS: Record<Role, string> = {
  consumer: 'Orientation',
  establishment: 'Établissement',
  analyst: 'Analyste',
  admin: 'Administrateur',
};

/** May update the beds of an establishment (its own FINESS numbers; an administrator all). */
export function canEditBeds(user: SessionUser | undefined): boolean {
  return user?.role === 'establishment' || user?.role === 'admin';
}

export function SessionProvider({ children }: { children: ComponentChildren }) {
  const [loading, setLoading] = useState(true);
  const [user, setUser] = useState<SessionUser | undefined>();
  const [methods, setMethods] = useState<SignInMethods>({});

  const refresh = useCallback(async () => {
    try {
      const u = await getJson<SessionUser | { signedIn: false }>('/auth/session?optional');
      const signedIn = 'signedIn' in u && u.signedIn === false ? undefined : (u as SessionUser);
      setUser(signedIn);
      setCsrfToken(signedIn?.csrfToken);
    } catch (err) {
      console.error(err);
      setUser(undefined);
      setCsrfToken(undefined);
    } finally {
      setLoading(false);
    }
  }, []);

  const signOut = useCallback(async () => {
    await request('/auth/logout', { method: 'POST' });
    setUser(undefined);
    setCsrfToken(undefined);
  }, []);

  useEffect(() => {
    void refresh();
    getJson<SignInMethods>('/auth/methods').then(setMethods, () => setMethods({}));
  }, [refresh]);

  return <SessionContext.Provider value={{ loading, user, methods, refresh, signOut }}>{children}</SessionContext.Provider>;
}
