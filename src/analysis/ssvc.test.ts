import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SsvcInputs } from '../model/vulnerability.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { CISA_SSVC_TABLE, type MissionWellbeing, type SsvcDecision, ssvcDecision } from './ssvc.ts';

/**
 * CERTCC/SSVC data/csv/cisa/cisa_coordinator_2_0_3.csv (commit 5513459d9f806904d0f90add28443827d5af4576),
 * verbatim: an independent copy to check the module's table against.
 */
const CERTCC_CSV = `row,Exploitation v1.1.0,Automatable v2.0.0,Technical Impact v1.0.0,Mission and Well-Being Impact v1.0.0,CISA Levels v1.1.0 (cisa)
0,none,no,partial,low,track
1,none,no,partial,medium,track
2,none,no,partial,high,track
3,none,no,total,low,track
4,none,no,total,medium,track
5,none,no,total,high,track*
6,none,yes,partial,low,track
7,none,yes,partial,medium,track
8,none,yes,partial,high,attend
9,none,yes,total,low,track
10,none,yes,total,medium,track
11,none,yes,total,high,attend
12,public poc,no,partial,low,track
13,public poc,no,partial,medium,track
14,public poc,no,partial,high,track*
15,public poc,no,total,low,track
16,public poc,no,total,medium,track*
17,public poc,no,total,high,attend
18,public poc,yes,partial,low,track
19,public poc,yes,partial,medium,track
20,public poc,yes,partial,high,attend
21,public poc,yes,total,low,track
22,public poc,yes,total,medium,track*
23,public poc,yes,total,high,attend
24,active,no,partial,low,track
25,active,no,partial,medium,track
26,active,no,partial,high,attend
27,active,no,total,low,track
28,active,no,total,medium,attend
29,active,no,total,high,act
30,active,yes,partial,low,attend
31,active,yes,partial,medium,attend
32,active,yes,partial,high,act
33,active,yes,total,low,attend
34,active,yes,total,medium,act
35,active,yes,total,high,act`;

const decisions: Record<string, SsvcDecision> = { track: 'Track', 'track*': 'Track*', attend: 'Attend', act: 'Act' };
const rows = CERTCC_CSV.split('\n')
  .slice(1)
  .map((line) => {
    const [row, e, a, t, m, d] = line.split(',');
    return {
      row: Number(row),
      inputs: { exploitation: e === 'public poc' ? 'poc' : e, automatable: a, technicalImpact: t } as SsvcInputs,
      missionWellbeing: m as MissionWellbeing,
      decision: decisions[d ?? ''],
    };
  });

describe('ssvcDecision: the CISA Coordinator table (SSVC 2.0.3)', () => {
  it('has 36 rows covering every combination once', () => {
    expect(rows).toHaveLength(36);
    expect(CISA_SSVC_TABLE).toHaveLength(36);
    const keys = new Set(CISA_SSVC_TABLE.map((r) => `${r.exploitation}/${r.automatable}/${r.technicalImpact}/${r.missionWellbeing}`));
    expect(keys.size).toBe(3 * 2 * 2 * 3);
  });

  it.each(rows)('row $row: $inputs.exploitation / $inputs.automatable / $inputs.technicalImpact / $missionWellbeing → $decision', (r) => {
    expect(r.decision).toBeDefined();
    expect(ssvcDecision(r.inputs, r.missionWellbeing)).toEqual({
      decision: r.decision,
      inputs: r.inputs,
      missionWellbeing: r.missionWellbeing,
      version: '2.0.3',
    });
    expect(CISA_SSVC_TABLE[r.row]).toEqual({ ...r.inputs, missionWellbeing: r.missionWellbeing, decision: r.decision });
  });

  it('never lowers the decision when one input gets worse', () => {
    const rank = { Track: 0, 'Track*': 1, Attend: 2, Act: 3 } as const;
    const scales = {
      exploitation: ['none', 'poc', 'active'],
      automatable: ['no', 'yes'],
      technicalImpact: ['partial', 'total'],
      missionWellbeing: ['low', 'medium', 'high'],
    } as const;
    const worse: string[] = [];
    for (const r of CISA_SSVC_TABLE) {
      for (const [point, scale] of Object.entries(scales)) {
        const values: readonly string[] = scale;
        const next = values[values.indexOf(r[point as keyof typeof scales]) + 1];
        if (!next) continue;
        const up = CISA_SSVC_TABLE.find((o) => (Object.keys(scales) as (keyof typeof scales)[]).every((k) => (k === point ? o[k] === next : o[k] === r[k])));
        if (up && rank[up.decision] < rank[r.decision]) worse.push(`${JSON.stringify(r)} → ${point}=${next}: ${up.decision}`);
      }
    }
    expect(worse).toEqual([]);
  });

  it('rejects values outside the decision points', () => {
    const bad = { exploitation: 'public poc', automatable: 'yes', technicalImpact: 'total' } as unknown as SsvcInputs;
    expect(() => ssvcDecision(bad, 'high')).toThrow(/no CISA SSVC decision for Exploitation "public poc"/);
    expect(() => ssvcDecision({ exploitation: 'active', automatable: 'yes', technicalImpact: 'total' }, 'severe' as MissionWellbeing)).toThrow(RangeError);
  });
});

describe.skipIf(!hasCorpus())('ssvcDecision on CVE-2024-3400 (PAN-OS GlobalProtect, CISA ADP vulnrichment)', () => {
  it('Active / Yes / Total → Attend at low, Act at medium and high Mission & Well-being', () => {
    const record = JSON.parse(readFileSync(corpusPath('cve5', 'records', '2024', '3xxx', 'CVE-2024-3400.json'), 'utf8')) as {
      containers: { adp?: { metrics?: { other?: { type: string; content: { options: Record<string, string>[]; version: string } } }[] }[] };
    };
    const ssvc = record.containers.adp?.flatMap((a) => a.metrics ?? []).find((m) => m.other?.type === 'ssvc')?.other?.content;
    expect(ssvc).toBeDefined();
    const options = Object.assign({}, ...(ssvc?.options ?? [])) as Record<string, string>;
    expect(options).toEqual({ Exploitation: 'Active', Automatable: 'Yes', 'Technical Impact': 'Total' });
    const inputs: SsvcInputs = {
      exploitation: options.Exploitation?.toLowerCase() as SsvcInputs['exploitation'],
      automatable: options.Automatable?.toLowerCase() as SsvcInputs['automatable'],
      technicalImpact: options['Technical Impact']?.toLowerCase() as SsvcInputs['technicalImpact'],
      version: ssvc?.version,
    };
    expect(ssvcDecision(inputs, 'low').decision).toBe('Attend');
    expect(ssvcDecision(inputs, 'medium').decision).toBe('Act');
    expect(ssvcDecision(inputs, 'high').decision).toBe('Act');
  });
});
