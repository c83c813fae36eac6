/**
 * The package as a user drives it with npm (issue 10, items 7 and 14): `npm start` runs the
 * server as the very process npm signals, so stopping npm stops Vigil and frees its port; and
 * every dependency install script is declared in `allowScripts`, so `npm ci` is quiet today and
 * keeps building better-sqlite3 when npm starts blocking undeclared scripts.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../testing/store.ts';

const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'vigil-npm-start-'));
// The store on the back end under test (`VIGIL_DB` a file or a PostgreSQL URL).
const db = testDatabase();
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await db.drop();
});

/** Parent pid of every live process (Linux /proc), to find what npm spawned. */
function parents(): Map<number, number> {
  const out = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so split after ')'.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      out.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended between readdir and read: nothing to record
    }
  }
  return out;
}

/** `pid` and every process below it. */
function tree(pid: number): number[] {
  const all = parents();
  const found = [pid];
  for (let i = 0; i < found.length; i++) for (const [child, parent] of all) if (parent === found[i]) found.push(child);
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function until(what: string, test: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const built = existsSync(path.join(root, 'dist', 'vigil.js'));
if (!built) console.warn('npm-start.test: dist/vigil.js is missing (run `npm run build`): the npm start test is skipped');

describe.skipIf(process.platform !== 'linux' || !built)('npm start (item 7)', () => {
  let npm: ChildProcess | undefined;
  let below: number[] = [];
  afterAll(() => {
    // An orphaned server (the bug) is no longer below npm: kill what was seen below it too.
    for (const pid of [...(npm?.pid ? tree(npm.pid) : []), ...below].reverse()) if (alive(pid)) process.kill(pid, 'SIGKILL');
  });

  it('SIGTERM to the npm process stops the server: no process survives and the port is freed', async () => {
    const data = path.join(dir, 'empty-corpus');
    mkdirSync(data);
    npm = spawn('npm', ['start', '--', '--no-daemon', '--no-import', '--port', '0'], {
      cwd: root,
      env: { ...process.env, VIGIL_DB: db.database, VIGIL_DATA_DIR: data, VIGIL_LOG_LEVEL: 'silent' },
    });
    let out = '';
    npm.stdout?.on('data', (d) => (out += d));
    npm.stderr?.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => npm?.on('exit', (code) => resolve(code)));
    await until(`"serving" in:\n${out}`, () => /serving http:\/\/127\.0\.0\.1:\d+\//.test(out), 60_000);
    const port = Number(/serving http:\/\/127\.0\.0\.1:(\d+)\//.exec(out)?.[1]);
    expect(await listening(port)).toBe(true);
    const npmPid = npm.pid as number;
    below = tree(npmPid).slice(1);
    expect(below.length, 'npm spawned the server').toBeGreaterThan(0);

    npm.kill('SIGTERM');
    await exited;
    await until('the server to exit after npm', () => below.every((pid) => !alive(pid)), 20_000);
    expect(await listening(port)).toBe(false);
  }, 120_000);
});

describe('npm ci (item 14)', () => {
  const npmVersion = execFileSync('npm', ['--version'], { cwd: root, encoding: 'utf8' }).trim();
  const [major = 0, minor = 0] = npmVersion.split('.').map(Number);
  const hasPolicy = major > 11 || (major === 11 && minor >= 16);
  if (!hasPolicy) console.warn(`npm-start.test: npm ${npmVersion} has no install-script policy (npm >= 11.16): the allowScripts check is skipped`);

  it.skipIf(!hasPolicy)('every installed dependency with an install script is declared in allowScripts', () => {
    const listed = JSON.parse(execFileSync('npm', ['install-scripts', 'ls', '--json'], { cwd: root, encoding: 'utf8' })) as { allowScripts: { name: string }[] };
    expect(listed.allowScripts.map((p) => p.name)).toEqual([]);
    // Name-only entries: a lockfile bump of better-sqlite3 must not silently skip its native build.
    const declared = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> }).allowScripts;
    expect(declared).toMatchObject({ 'better-sqlite3': true });
  });
});
