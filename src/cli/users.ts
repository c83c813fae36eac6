/** `vigil users add|list|team`: people who receive alerts, and teams that share watchlists. */
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { type Command, Option } from 'commander';
import { hashPassword } from '../api/auth/credentials.ts';
import { passwordSchema, ROLES, type Role, userNameSchema } from '../model/account.ts';
import { z } from 'zod';
import { VigilError } from '../errors.ts';
import { withAlerts } from './context.ts';
import { table } from './format.ts';

interface UserOptions {
  email?: string;
  slack?: string;
  telegram?: string;
  discord?: string;
  teams?: string;
  role?: Role;
  admin?: boolean;
  passwordStdin?: boolean;
  resetPassword?: boolean;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function registerUsers(program: Command): void {
  const users = program.command('users').description('users (alert recipients) and teams');

  users
    .command('add')
    .description('add or update a user')
    .argument('<name>')
    .option('--email <address>', 'email address')
    .option('--slack <id>', 'Slack member id')
    .option('--telegram <chatId>', 'Telegram chat id')
    .option('--discord <id>', 'Discord user id')
    .option('--teams <upn>', 'Microsoft Teams user principal name')
    .addOption(new Option('--role <role>', 'give the user a sign-in account with this role (dashboard and API)').choices(ROLES))
    .option('--admin', 'shorthand for --role admin (how the first administrator is made)')
    .option('--password-stdin', 'read the account password from standard input (default: generate one and print it once)')
    .option('--reset-password', 'give an existing sign-in account a new password (and the role given, if any); signs it out everywhere')
    .action(async (name: string, o: UserOptions, cmd: Command) => {
      if (o.email !== undefined && !z.email().safeParse(o.email).success) throw new VigilError('VIGIL_WATCHLIST_INVALID', [`user ${name}`, `"${o.email}" is not an email address`]);
      if (name.length > userNameSchema.maxLength || !new RegExp(userNameSchema.pattern).test(name)) throw new VigilError('VIGIL_WATCHLIST_INVALID', [`user ${name}`, 'a name is 1–64 letters, digits, ".", "_", "@" or "-"']);
      await withAlerts(cmd, async ({ alerts, stores: { auth } }) => {
        // An existing account is never changed by accident (a second `users add admin --admin`
        // used to replace the administrator's password): only --reset-password changes it.
        const account = await auth.getAccount(name);
        const refusal =
          account && (o.admin || o.role || o.passwordStdin) && !o.resetPassword
            ? `user ${name} already has a sign-in account (role ${account.role}): nothing changed; use --reset-password to give it a new password`
            : !account && o.resetPassword && !o.admin && !o.role
              ? `user ${name} has no sign-in account to reset: give --role or --admin to create one`
              : null;
        if (refusal) {
          console.error(`vigil: ${refusal}`);
          process.exitCode = 1;
          return;
        }
        const role: Role | undefined = o.admin ? 'admin' : (o.role ?? (o.resetPassword ? account?.role : undefined));
        const password = role ? (o.passwordStdin ? (await readStdin()).replace(/\r?\n$/, '') : randomBytes(15).toString('base64url')) : undefined;
        if (password !== undefined && (password.length < passwordSchema.minLength || password.length > passwordSchema.maxLength))
          throw new VigilError('VIGIL_WATCHLIST_INVALID', [`user ${name}`, `the password needs ${passwordSchema.minLength} to ${passwordSchema.maxLength} characters`]);
        const existing = (await alerts.listUsers()).find((u) => u.name === name);
        const handles = Object.fromEntries(Object.entries({ slack: o.slack, telegram: o.telegram, discord: o.discord, teams: o.teams }).filter(([, v]) => v !== undefined)) as Record<string, string>;
        await alerts.upsertUser({ name, email: o.email ?? existing?.email ?? null, handles: { ...existing?.handles, ...handles } });
        if (!role || password === undefined) {
          console.log(`user ${name} saved`);
          return;
        }
        await auth.upsertAccount({ name, role, passwordHash: await hashPassword(password) });
        await auth.revokeUserSessions(name);
        const action = account ? 'user.update' : 'user.create';
        await auth.audit({ at: new Date().toISOString(), actor: userInfo().username, actorKind: 'cli', tokenId: null, action, target: `user:${name}`, outcome: 'success', statusCode: null, ip: null, userAgent: 'vigil users add', detail: { role, ...(account ? { passwordReset: true } : {}) } });
        console.log(`user ${name} saved, role ${role}${account ? ', new password (signed out everywhere)' : ''}`);
        if (!o.passwordStdin) console.log(`password (shown once): ${password}`);
      });
    });

  users
    .command('team')
    .description('create or replace a team and its members')
    .argument('<team>')
    .argument('<members...>', 'user names')
    .action(async (team: string, members: string[], _o: unknown, cmd: Command) => {
      await withAlerts(cmd, async ({ alerts }) => {
        await alerts.upsertTeam({ name: team, members });
        console.log(`team ${team}: ${members.join(', ')}`);
      });
    });

  users
    .command('list')
    .description('list users and teams')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      await withAlerts(cmd, async ({ alerts, stores }) => {
        const [list, teams, accounts] = await Promise.all([alerts.listUsers(), alerts.listTeams(), stores.auth.listAccounts()]);
        const account = new Map(accounts.map((a) => [a.name, a]));
        if (o.json) {
          console.log(JSON.stringify({ users: list.map((u) => ({ ...u, role: account.get(u.name)?.role ?? null, disabled: account.get(u.name)?.disabled ?? null })), teams }, null, 2));
          return;
        }
        console.log(
          table(
            ['USER', 'ROLE', 'EMAIL', 'HANDLES', 'TEAMS'],
            list.map((u) => {
              const a = account.get(u.name);
              return [
                u.name,
                a ? `${a.role}${a.disabled ? ' (disabled)' : ''}` : '-',
                u.email ?? '',
                Object.entries(u.handles).map(([k, v]) => `${k}:${v}`).join(' '),
                teams.filter((t) => t.members.includes(u.name)).map((t) => t.name).join(', '),
              ];
            }),
          ),
        );
      });
    });
}
