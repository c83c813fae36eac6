/**
 * Sign-in, and the first-run form: when `GET /api/v1/auth/setup` answers `{needed: true}` the
 * store has no administrator yet, and the one-time setup token printed by `vigil serve` creates
 * one (`POST /api/v1/auth/setup`), after which the new administrator is signed in.
 */
import { useState } from 'preact/hooks';
import { request, setTokens } from '../api.ts';
import { ErrorBox } from '../components/ui.tsx';
import { useAsync, useTitle } from '../hooks.ts';
import { navigate } from '../router.tsx';
import { loadMe, signIn } from '../session.ts';

/** Where to go after signing in: only a dashboard URL (never an absolute URL from the query). */
function safeNext(next: string): string {
  return next.startsWith('/ui/') && !next.startsWith('/ui/login') ? next : '/ui/';
}

function SignInForm({ next }: { next: string }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(username.trim(), password);
      navigate(safeNext(next), { replace: true });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }
  return (
    <form class="card-form" onSubmit={submit} data-testid="login-form" aria-labelledby="signin-h">
      <h1 id="signin-h">Sign in to Vigil</h1>
      <ErrorBox error={error} />
      <label for="login-user">User name</label>
      <input id="login-user" name="username" autoComplete="username" required value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
      <label for="login-password">Password</label>
      <input
        id="login-password"
        name="password"
        type="password"
        autoComplete="current-password"
        required
        value={password}
        onInput={(e) => setPassword(e.currentTarget.value)}
      />
      <button class="btn btn-primary" type="submit" disabled={busy} data-testid="login-submit">
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}

function SetupForm({ next }: { next: string }) {
  const [setupToken, setSetupToken] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function submit(e: Event) {
    e.preventDefault();
    if (password !== confirm) {
      setError(new Error('The two passwords differ.'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      // The answer is a session for the new administrator, as a sign-in's.
      setTokens(
        await request<{ accessToken?: string; refreshToken?: string }>('/api/v1/auth/setup', {
          method: 'POST',
          body: { setupToken: setupToken.trim(), username: username.trim(), password },
          anonymous: true,
        }),
      );
      await loadMe();
      navigate(safeNext(next), { replace: true });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }
  return (
    <form class="card-form" onSubmit={submit} data-testid="setup-form" aria-labelledby="setup-h">
      <h1 id="setup-h">Create the first administrator</h1>
      <p class="muted">
        This Vigil has no administrator yet. <code>vigil serve</code> printed a one-time setup token when it started: paste it here.
      </p>
      <ErrorBox error={error} />
      <label for="setup-token">Setup token</label>
      <input id="setup-token" required autoComplete="off" spellcheck={false} value={setupToken} onInput={(e) => setSetupToken(e.currentTarget.value)} />
      <label for="setup-user">User name</label>
      <input id="setup-user" required autoComplete="username" value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
      <label for="setup-password">Password (at least 12 characters)</label>
      <input
        id="setup-password"
        type="password"
        required
        minLength={12}
        autoComplete="new-password"
        value={password}
        onInput={(e) => setPassword(e.currentTarget.value)}
      />
      <label for="setup-confirm">Password again</label>
      <input id="setup-confirm" type="password" required autoComplete="new-password" value={confirm} onInput={(e) => setConfirm(e.currentTarget.value)} />
      <button class="btn btn-primary" type="submit" disabled={busy}>
        {busy ? 'Creating…' : 'Create administrator and sign in'}
      </button>
    </form>
  );
}

export function Login({ next }: { next: string }) {
  useTitle('Sign in');
  const setup = useAsync((signal) => request<{ needed: boolean }>('/api/v1/auth/setup', { anonymous: true, signal }), []);
  return (
    <div class="login-wrap">
      <p class="brand brand-big">
        <span aria-hidden="true">◉</span> Vigil
      </p>
      {setup.data?.needed ? <SetupForm next={next} /> : <SignInForm next={next} />}
    </div>
  );
}
