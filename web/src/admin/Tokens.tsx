/**
 * API tokens: the caller's own (an administrator may list everyone's), creation with scopes (the
 * token is shown once, in the answer that created it) and revocation.
 */
import { useState } from 'preact/hooks';
import { itemsOf, qs, request } from '../api.ts';
import { ErrorBox, Loading, Notice, Panel } from '../components/ui.tsx';
import { fmtDate, fmtDateTime } from '../format.ts';
import { useAsync } from '../hooks.ts';
import { hasRole } from '../session.ts';
import type { Me } from '../types.ts';
import { type ApiToken, TOKEN_SCOPES } from '../types-alerts.ts';

function CreateToken({ me, onCreated }: { me: Me; onCreated: (t: ApiToken) => void }) {
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['read']);
  const [days, setDays] = useState('90');
  const [error, setError] = useState<unknown>(null);
  const allowed = TOKEN_SCOPES.filter((s) => s !== 'admin' || hasRole(me, 'admin'));
  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    try {
      const body = { name: name.trim(), scopes, expiresInDays: days ? Number(days) : undefined };
      // The answer carries the secret once, beside the token's listing (`{token, apiToken}`).
      const res = await request<{ token: string; apiToken: ApiToken }>('/api/v1/tokens', { method: 'POST', body });
      onCreated({ ...res.apiToken, token: res.token });
      setName('');
    } catch (err) {
      setError(err);
    }
  }
  return (
    <form onSubmit={submit} class="filter-row create-form" aria-label="Create an API token">
      <span class="field">
        <label for="nt-name">Token name</label>
        <input id="nt-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="ci-pipeline" autoComplete="off" />
      </span>
      <fieldset class="plain-fieldset">
        <legend>Scopes</legend>
        {allowed.map((s) => (
          <label key={s} class="check">
            <input
              type="checkbox"
              checked={scopes.includes(s)}
              onChange={(e) => setScopes(e.currentTarget.checked ? [...scopes, s] : scopes.filter((x) => x !== s))}
            />{' '}
            {s}
          </label>
        ))}
      </fieldset>
      <span class="field">
        <label for="nt-days">Expires in (days, empty: never)</label>
        <input id="nt-days" type="number" min={1} max={3650} value={days} onInput={(e) => setDays(e.currentTarget.value)} />
      </span>
      <button type="submit" class="btn btn-primary" disabled={scopes.length === 0}>
        Create token
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

export function Tokens({ me }: { me: Me }) {
  const [all, setAll] = useState(false);
  const tokens = useAsync((signal) => request<ApiToken[] | { items: ApiToken[] }>(`/api/v1/tokens${qs({ all: all ? 'true' : null })}`, { signal }), [all]);
  const [created, setCreated] = useState<ApiToken | null>(null);
  const [error, setError] = useState<unknown>(null);
  async function revoke(t: ApiToken) {
    if (!window.confirm(`Revoke the token “${t.name}”? Anything using it stops working at once.`)) return;
    setError(null);
    try {
      await request(`/api/v1/tokens/${encodeURIComponent(String(t.id))}`, { method: 'DELETE' });
      tokens.reload();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <Panel title="API tokens" id="tokens">
      {me.via === 'session' && (
        <CreateToken
          me={me}
          onCreated={(t) => {
            setCreated(t);
            tokens.reload();
          }}
        />
      )}
      {created?.token && (
        <Notice kind="warn">
          Token <strong>{created.name}</strong> created. Copy it now: it is not shown again.
          <br />
          <code class="secret" data-testid="new-token">
            {created.token}
          </code>{' '}
          <button type="button" class="btn btn-quiet" onClick={() => navigator.clipboard?.writeText(created.token ?? '')}>
            Copy
          </button>
        </Notice>
      )}
      {hasRole(me, 'admin') && (
        <label class="check">
          <input type="checkbox" checked={all} onChange={(e) => setAll(e.currentTarget.checked)} /> Show every user's tokens
        </label>
      )}
      <ErrorBox error={error ?? tokens.error} />
      {tokens.loading && !tokens.data && <Loading />}
      <div class="table-wrap">
        <table data-testid="tokens-table">
          <caption class="sr-only">API tokens</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              {all && <th scope="col">Owner</th>}
              <th scope="col">Scopes</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {itemsOf(tokens.data).map((t) => (
              <tr key={t.id}>
                <td>
                  {t.name} <code class="muted small">{t.prefix}…</code>
                </td>
                {all && <td>{t.user}</td>}
                <td>{t.scopes.join(', ')}</td>
                <td class="nowrap">{fmtDate(t.createdAt)}</td>
                <td class="nowrap">{t.expiresAt ? fmtDate(t.expiresAt) : 'never'}</td>
                <td class="nowrap">{fmtDateTime(t.lastUsedAt)}</td>
                <td>
                  {t.revokedAt ? (
                    <span class="muted small">revoked {fmtDate(t.revokedAt)}</span>
                  ) : (
                    <button type="button" class="btn btn-quiet btn-danger" onClick={() => revoke(t)}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Panel>
  );
}
