/** `vigil users add|list|team`: people who receive alerts, and teams that share watchlists. */
import type { Command } from 'commander';
import { z } from 'zod';
import { VigilError } from '../errors.ts';
import { withAlerts } from './context.ts';
import { table } from './format.ts';

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
    .action(async (name: string, o: { email?: string; slack?: string; telegram?: string; discord?: string; teams?: string }, cmd: Command) => {
      if (o.email !== undefined && !z.email().safeParse(o.email).success) throw new VigilError('VIGIL_WATCHLIST_INVALID', [`user ${name}`, `"${o.email}" is not an email address`]);
      await withAlerts(cmd, async ({ alerts }) => {
        const handles = Object.fromEntries(Object.entries({ slack: o.slack, telegram: o.telegram, discord: o.discord, teams: o.teams }).filter(([, v]) => v !== undefined)) as Record<string, string>;
        await alerts.upsertUser({ name, email: o.email ?? null, handles });
        console.log(`user ${name} saved`);
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
      await withAlerts(cmd, async ({ alerts }) => {
        const [list, teams] = await Promise.all([alerts.listUsers(), alerts.listTeams()]);
        if (o.json) {
          console.log(JSON.stringify({ users: list, teams }, null, 2));
          return;
        }
        console.log(
          table(
            ['USER', 'EMAIL', 'HANDLES', 'TEAMS'],
            list.map((u) => [u.name, u.email ?? '', Object.entries(u.handles).map(([k, v]) => `${k}:${v}`).join(' '), teams.filter((t) => t.members.includes(u.name)).map((t) => t.name).join(', ')]),
          ),
        );
      });
    });
}
