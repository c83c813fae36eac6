/** Who is signed in (`GET /api/v1/auth/me`), sign-in, sign-out and role checks. */
import { clearTokens, request, setTokens } from './api.ts';
import { createStore } from './store.ts';
import type { Me, Role } from './types.ts';

/** The signed-in user, or `null` before `/auth/me` answered or when signed out. */
export const currentUser = createStore<Me | null>(null);

/** Loads the signed-in user. @throws ApiError (401 when the session is gone). */
export async function loadMe(): Promise<Me> {
  const me = await request<Me>('/api/v1/auth/me');
  currentUser.set(me);
  return me;
}

/** Signs in with a user name and password (`POST /api/v1/auth/login`), then loads the user. */
export async function signIn(username: string, password: string): Promise<Me> {
  const tokens = await request<{ accessToken?: string }>('/api/v1/auth/login', {
    method: 'POST',
    body: { username, password },
    anonymous: true,
  });
  setTokens(tokens);
  return loadMe();
}

/** Revokes the session on the server (the refresh cookie; best effort) and forgets it in every tab. */
export async function signOut(): Promise<void> {
  try {
    await request('/api/v1/auth/logout', { method: 'POST', body: {}, anonymous: true });
  } catch {
    // Already expired or revoked: signing out locally is all that is left to do.
  }
  clearTokens();
  currentUser.set(null);
}

const RANK: Record<Role, number> = { viewer: 0, analyst: 1, admin: 2 };

/** Whether the user's role is at least `role` (the server enforces the same rule). */
export function hasRole(me: Me | null, role: Role): boolean {
  return me !== null && RANK[me.role] >= RANK[role];
}
