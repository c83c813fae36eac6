import { describe, expect, it } from 'vitest';
import type { Change } from '../model/record.ts';
import { eventsFromChanges } from './events.ts';

const at = '2024-04-12T08:15:06.230Z';
const c = (field: string, old: string | null, now: string | null, source = 'nvd'): Change => ({ cveId: 'CVE-2024-3400', field, old, new: now, source, at });

describe('eventsFromChanges', () => {
  // One row per rule: the changes, the event types expected (in order) and their keys.
  const table: [string, Change[], string[]][] = [
    ['a new published CVE', [c('created', null, 'PUBLISHED', 'cve5')], ['new']],
    ['a new reserved CVE is not news', [c('created', null, 'RESERVED', 'cve5')], []],
    ['a CVE created already rejected is not news', [c('created', null, 'REJECTED', 'cve5')], []],
    ['a reserved id published', [c('state', 'RESERVED', 'PUBLISHED', 'cve5')], ['new', 'changed:']],
    ['rejected', [c('state', 'PUBLISHED', 'REJECTED', 'cve5')], ['rejected', 'changed:']],
    ['severity raised', [c('severity', 'MEDIUM', 'CRITICAL')], ['severity_raised:CRITICAL', 'changed:']],
    ['severity added where there was none', [c('severity', null, 'HIGH')], ['severity_raised:HIGH', 'changed:']],
    ['severity lowered: only changed', [c('severity', 'CRITICAL', 'HIGH')], ['changed:']],
    ['CVSS raised', [c('primaryCvss', '7.5 CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N', '9.8 CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H')], ['cvss_raised:9.8', 'changed:']],
    ['CVSS lowered', [c('primaryCvss', '9.8 CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', '7.5 CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N')], ['changed:']],
    ['added to KEV by a later catalog', [c('kev', null, 'added 2024-04-12', 'kev')], ['kev_added', 'changed:']],
    ['KEV entry of the first (baseline) catalog', [c('kev', null, 'listed 2024-04-12', 'kev')], ['changed:']],
    ['ransomware use now known', [c('kev.knownRansomwareCampaignUse', 'Unknown', 'Known', 'kev')], ['ransomware', 'changed:']],
    ['a new CVE already in KEV: new and kev_added, no changed', [c('created', null, 'PUBLISHED', 'cve5'), c('kev', null, 'added 2024-04-12', 'cve5')], ['new', 'kev_added']],
    ['a new CVE whose score arrives in the same run: only new', [c('created', null, 'PUBLISHED', 'cve5'), c('severity', null, 'CRITICAL')], ['new']],
  ];
  it.each(table)('%s', (_name, changes, expected) => {
    const keys = eventsFromChanges(changes).events.map((e) => (e.key.startsWith('changed:') ? 'changed:' : e.key));
    expect(keys).toEqual(expected);
  });

  it('keys a change by its content, so the same diff twice is one alert and a different diff another', () => {
    const a = eventsFromChanges([c('description', 'x', 'y')]).events[0]?.key;
    const b = eventsFromChanges([c('description', 'x', 'y')]).events[0]?.key;
    const d = eventsFromChanges([c('description', 'y', 'z')]).events[0]?.key;
    expect(a).toBe(b);
    expect(a).not.toBe(d);
  });

  it('carries the diff and a one-line summary', () => {
    const [raised, changed] = eventsFromChanges([c('severity', 'MEDIUM', 'CRITICAL'), c('cwes', 'CWE-20', 'CWE-20, CWE-77')]).events;
    expect(raised?.detail.summary).toBe('severity MEDIUM → CRITICAL');
    expect(changed?.detail.summary).toBe('changed: severity, cwes');
    expect(changed?.detail.changes?.map((x) => [x.field, x.old, x.new])).toEqual([
      ['severity', 'MEDIUM', 'CRITICAL'],
      ['cwes', 'CWE-20', 'CWE-20, CWE-77'],
    ]);
  });

  it('flags product/text changes (new matches possible) and NVD CPE data (confirmations)', () => {
    expect(eventsFromChanges([c('products', null, 'paloaltonetworks:pan-os', 'nvd')])).toMatchObject({ matchDataChanged: true, nvdCpeChanged: true });
    expect(eventsFromChanges([c('products', null, 'Palo Alto Networks:PAN-OS', 'cve5')])).toMatchObject({ matchDataChanged: true, nvdCpeChanged: false });
    expect(eventsFromChanges([c('severity', 'HIGH', 'CRITICAL')])).toMatchObject({ matchDataChanged: false, nvdCpeChanged: false });
  });
});
