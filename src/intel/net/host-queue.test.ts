/** The per-host queue: one task at a time per host, the delay after the previous one, hosts apart. */
import { describe, expect, it } from 'vitest';
import { HostQueue } from './host-queue.ts';

describe('HostQueue', () => {
  it('runs one task at a time per host, delaySeconds after the previous one ended; other hosts do not wait', async () => {
    let clock = 0;
    const waits: number[] = [];
    const q = new HostQueue(
      () => clock,
      async (ms) => {
        waits.push(ms);
        clock += ms;
      },
    );
    const log: string[] = [];
    let running = 0;
    const task = (name: string, took: number) => async () => {
      running++;
      expect(running).toBe(1);
      log.push(`${name}@${clock}`);
      await new Promise((r) => setTimeout(r, 1));
      clock += took;
      running--;
      return name;
    };
    const results = await Promise.all([q.run('a.example', 2, task('a1', 100)), q.run('A.example', 2, task('a2', 50)), q.run('a.example', 2, task('a3', 10))]);
    expect(results).toEqual(['a1', 'a2', 'a3']);
    expect(log).toEqual(['a1@0', 'a2@2100', 'a3@4150']);
    expect(waits).toEqual([2000, 2000]);
    const other = new HostQueue(
      () => clock,
      async () => {
        throw new Error('no wait expected');
      },
    );
    expect(await other.run('b.example', 2, async () => 'b')).toBe('b');
  });

  it('goes on after a failed task, and an aborted wait does not run the task', async () => {
    const q = new HostQueue();
    await expect(q.run('h', 0, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await q.run('h', 0, async () => 'next')).toBe('next');
    const controller = new AbortController();
    let ran = false;
    const waiting = q.run(
      'h',
      5,
      async () => {
        ran = true;
      },
      controller.signal,
    );
    controller.abort(new Error('stopped'));
    await expect(waiting).rejects.toThrow('stopped');
    expect(ran).toBe(false);
  });
});
