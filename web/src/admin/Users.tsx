/** User administration: list, create (name, role, password, e-mail), change role, disable. */
import { useState } from 'preact/hooks';
import { itemsOf, request } from '../api.ts';
import { ErrorBox, Loading, Notice, Panel } from '../components/ui.tsx';
import { fmtDate } from '../format.ts';
import { useAsync } from '../hooks.ts';
import type { Me, Role } from '../types.ts';
import type { UserAccount } from '../types-alerts.ts';

const ROLES: Role[] = ['viewer', 'analyst', 'admin'];

function CreateUser({ onCreated }: { onCreated: (name: string) => void }) {
  const [form, setForm] = useState({ name: '', email: '', role: 'viewer' as Role, password: '' });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await request('/api/v1/users', {
        method: 'POST',
        body: { name: form.name.trim(), role: form.role, password: form.password, email: form.email.trim() || undefined },
      });
      onCreated(form.name.trim());
      setForm({ name: '', email: '', role: 'viewer', password: '' });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form onSubmit={submit} class="filter-row create-form" aria-label="Create a user">
      <span class="field">
        <label for="nu-name">User name</label>
        <input id="nu-name" required value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} autoComplete="off" />
      </span>
      <span class="field">
        <label for="nu-email">E-mail (optional)</label>
        <input id="nu-email" type="email" value={form.email} onInput={(e) => setForm({ ...form, email: e.currentTarget.value })} autoComplete="off" />
      </span>
      <span class="field">
        <label for="nu-role">Role</label>
        <select id="nu-role" value={form.role} onChange={(e) => setForm({ ...form, role: e.currentTarget.value as Role })}>
          {ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </span>
      <span class="field">
        <label for="nu-password">Password</label>
        <input
          id="nu-password"
          type="password"
          required
          value={form.password}
          onInput={(e) => setForm({ ...form, password: e.currentTarget.value })}
          autoComplete="new-password"
        />
      </span>
      <button type="submit" class="btn btn-primary" disabled={busy}>
        Create user
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

export function Users({ me }: { me: Me }) {
  const users = useAsync((signal) => request<UserAccount[] | { items: UserAccount[] }>('/api/v1/users', { signal }), []);
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState<string | null>(null);
  async function patch(name: string, body: { role?: Role; disabled?: boolean }) {
    setError(null);
    setNote(null);
    try {
      await request(`/api/v1/users/${encodeURIComponent(name)}`, { method: 'PATCH', body });
      setNote(`Updated ${name}.`);
      users.reload();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <Panel title="Users" id="users">
      <CreateUser
        onCreated={(n) => {
          setNote(`Created ${n}.`);
          users.reload();
        }}
      />
      <ErrorBox error={error ?? users.error} />
      {note && <Notice kind="ok">{note}</Notice>}
      {users.loading && !users.data && <Loading />}
      <div class="table-wrap">
        <table data-testid="users-table">
          <caption class="sr-only">Users</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">E-mail</th>
              <th scope="col">Role</th>
              <th scope="col">State</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {itemsOf(users.data).map((u) => (
              <tr key={u.name} class={u.disabled ? 'rejected' : undefined}>
                <td>{u.name}</td>
                <td>{u.email ?? <span class="muted">—</span>}</td>
                <td>
                  <label class="sr-only" for={`role-${u.name}`}>
                    Role of {u.name}
                  </label>
                  <select
                    id={`role-${u.name}`}
                    value={u.role}
                    disabled={u.name === me.name}
                    onChange={(e) => patch(u.name, { role: e.currentTarget.value as Role })}
                  >
                    {ROLES.map((r) => (
                      <option key={r}>{r}</option>
                    ))}
                  </select>
                </td>
                <td>{u.disabled ? 'disabled' : 'active'}</td>
                <td class="nowrap">{fmtDate(u.createdAt)}</td>
                <td>
                  {u.name !== me.name && (
                    <button type="button" class="btn btn-quiet" onClick={() => patch(u.name, { disabled: !u.disabled })}>
                      {u.disabled ? 'Enable' : 'Disable'}
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
