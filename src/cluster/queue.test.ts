/** The queue's schema and the cron items made from the source registry (no database needed). */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { enabledSources, findSource } from '../sources/registry.ts';
import { jobsSchemaOf, queueTarget } from './queue.ts';
import { cronItems } from './worker.ts';

describe('job queue schema', () => {
  it.each([
    ['public', 'graphile_worker'],
    ['vigil', 'vigil_jobs'],
    ['team_a', 'team_a_jobs'],
  ])('store schema %s → queue schema %s', (store, queue) => {
    expect(jobsSchemaOf(store)).toBe(queue);
  });

  it('refuses a store schema whose queue schema would pass 63 characters', () => {
    expect(() => jobsSchemaOf('s'.repeat(59))).toThrow(RangeError);
    expect(jobsSchemaOf('s'.repeat(58))).toHaveLength(63);
  });

  it('reads the schema from the database URL, and drops it from the connection string', () => {
    expect(queueTarget('postgres://u@db.internal:5432/vigil?schema=team_a')).toEqual({ connectionString: 'postgres://u@db.internal:5432/vigil', storeSchema: 'team_a', schema: 'team_a_jobs' });
  });
});

describe('cron items', () => {
  it("one sync per enabled source at its registry schedule (or the config's), plus a delivery pass every minute", () => {
    const config = loadConfig(undefined, {});
    config.sources.kev = { config: config.sources.kev?.config, enabled: true, schedule: '*/5 * * * *' };
    const items = cronItems(config);
    const ids = enabledSources(config);
    expect(items.map((i) => i.identifier)).toEqual([...ids.map((id) => `sync:${id}`), 'deliver']);
    for (const id of ids) {
      const item = items.find((i) => i.identifier === `sync:${id}`);
      expect(item?.payload).toEqual({ source: id });
      expect(item?.options).toMatchObject({ queueName: `sync:${id}`, jobKey: `sync:${id}`, backfillPeriod: 0 });
    }
    // 10 * * * * (cve5's registry schedule) matches minute 10 only; */5 (kev's override) every fifth minute.
    const at = (minute: number) => ({ min: minute, hour: 3, date: 4, month: 12, dow: 5 });
    const cve5 = items.find((i) => i.identifier === 'sync:cve5');
    expect(findSource('cve5').schedule).toBe('10 * * * *');
    expect([cve5?.match(at(10)), cve5?.match(at(11))]).toEqual([true, false]);
    const kev = items.find((i) => i.identifier === 'sync:kev');
    expect([kev?.match(at(15)), kev?.match(at(16))]).toEqual([true, false]);
  });

  it('refuses a schedule only croner reads, naming the source', () => {
    const config = loadConfig(undefined, {});
    config.sources.kev = { config: config.sources.kev?.config, enabled: true, schedule: '0 9 * * MON' };
    expect(() => cronItems(config)).toThrow(/sources\.kev\.schedule: "0 9 \* \* MON"/);
  });
});
