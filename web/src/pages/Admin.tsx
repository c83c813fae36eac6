/**
 * Administration: users and the audit log for administrators; API tokens for analysts and
 * administrators (each sees their own; an administrator may list all).
 */
import { Audit } from '../admin/Audit.tsx';
import { Tokens } from '../admin/Tokens.tsx';
import { Users } from '../admin/Users.tsx';
import { Notice } from '../components/ui.tsx';
import { useTitle } from '../hooks.ts';
import { hasRole } from '../session.ts';
import type { Me } from '../types.ts';

export function Admin({ me }: { me: Me }) {
  const admin = hasRole(me, 'admin');
  useTitle(admin ? 'Administration' : 'API tokens');
  if (!hasRole(me, 'analyst')) {
    return (
      <div class="page">
        <h1>Administration</h1>
        <Notice>This page needs the analyst or administrator role.</Notice>
      </div>
    );
  }
  return (
    <div class="page" data-testid="admin">
      <h1>{admin ? 'Administration' : 'API tokens'}</h1>
      {admin && <Users me={me} />}
      <Tokens me={me} />
      {admin && <Audit />}
    </div>
  );
}
