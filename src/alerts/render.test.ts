import { describe, expect, it } from 'vitest';
import { ALERT_EVENTS } from '../model/alert.ts';
import { corpusEpss, corpusFacts, sampleAlert, sampleDigest } from '../testing/alerts.ts';
import { hasCorpus } from '../testing/corpus.ts';
import { WILDCARD_ONLY } from './match.ts';
import { digestTitle, escapeHtml, eventLabel, factLines, fitList, formatPercent, headline, truncate, whyLines } from './render.ts';

describe('render helpers (pure)', () => {
  it('table: truncate', () => {
    const rows: [string, number, string][] = [
      ['short', 10, 'short'],
      ['exactly ten', 11, 'exactly ten'],
      ['PAN-OS: Arbitrary File Creation Leads to OS Command Injection', 32, 'PAN-OS: Arbitrary File Creation…'],
      ['abcdefghijklmnopqrstuvwxyz', 10, 'abcdefghi…'],
      ['a😀b', 2, 'a…'],
      ['anything', 1, '…'],
      ['anything', 0, ''],
    ];
    for (const [text, max, expected] of rows) {
      const out = truncate(text, max);
      expect(out, `${text} / ${max}`).toBe(expected);
      expect(out.length).toBeLessThanOrEqual(max);
    }
  });

  it('table: formatPercent never rounds up to 100%', () => {
    const rows: [number, string][] = [
      [0.99999, '99.99%'],
      [1, '100%'],
      [0.52164, '52.16%'],
      [0.09898, '9.89%'],
      [0.00042, '0.042%'],
      [0, '0%'],
    ];
    for (const [p, s] of rows) expect(formatPercent(p), String(p)).toBe(s);
  });

  it('escapes HTML', () => {
    expect(escapeHtml(`<a href="x">Tom & 'Jerry'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;');
  });

  it('labels every event type distinctly', () => {
    const labels = ALERT_EVENTS.map(eventLabel);
    expect(new Set(labels).size).toBe(ALERT_EVENTS.length);
    expect(eventLabel('kev_added')).toBe('added to KEV');
  });

  it('fitList keeps whole items and says how many are left out', () => {
    const items = Array.from({ length: 20 }, (_, i) => `item number ${i + 1}`);
    const { text, shown } = fitList(items, 100);
    expect(text.length).toBeLessThanOrEqual(100);
    expect(text).toContain(`…and ${20 - shown} more`);
    expect(text.split('\n')).toHaveLength(shown + 1);
    expect(fitList(items.slice(0, 2), 100)).toEqual({ text: 'item number 1\nitem number 2', shown: 2 });
  });
});

describe.skipIf(!hasCorpus())('render on real CVE-2024-3400 data', () => {
  it('headline: severity, id, event, title, cut on a word', () => {
    const h = headline(sampleAlert());
    expect(h.startsWith('CRITICAL CVE-2024-3400 added to KEV: PAN-OS: Arbitrary File Creation Leads to OS Command')).toBe(true);
    expect(h.endsWith('…')).toBe(true);
    expect(h.length).toBeLessThanOrEqual(120);
    expect(headline(sampleAlert(), 300)).toBe(
      'CRITICAL CVE-2024-3400 added to KEV: PAN-OS: Arbitrary File Creation Leads to OS Command Injection Vulnerability in GlobalProtect',
    );
  });

  it('facts: CVSS, EPSS as %, KEV dates and ransomware, SSVC, priority, products', () => {
    const facts = Object.fromEntries(factLines(sampleAlert().facts).map((f) => [f.label, f.value]));
    expect(facts).toEqual({
      Severity: 'CRITICAL',
      CVSS: '10.0 (CVSS 3.1) CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H',
      EPSS: '99.99% (percentile 100%, 2026-08-16)',
      'CISA KEV': 'added 2024-04-12, due 2024-04-19, ransomware use: known',
      SSVC: 'Act',
      Priority: '100 / 100',
      Products: 'Palo Alto Networks PAN-OS',
      Published: '2024-04-12',
    });
  });

  it('why: a provisional match names entry, field, value, version and threshold', () => {
    expect(whyLines(sampleAlert())).toEqual([
      'Event: added to KEV on 2024-04-12',
      'Watchlist: edge-devices',
      'Matched product entry "paloaltonetworks:pan-os 10.2.5" on the CNA\'s affected products: affected[0].product = "Palo Alto Networks PAN-OS"; version 10.2.5 in [10.2.0, 10.2.9-h1)',
      'Threshold minCvss: required 9, actual 10 (passed)',
      "PROVISIONAL: matched on the CNA's data before NVD analysis",
    ]);
  });

  it('why: a confirmed match says so and is no longer provisional', () => {
    const lines = whyLines(sampleAlert({ confirmedAt: '2024-04-19T12:00:00.000Z' }));
    expect(lines).toContain('Match confirmed by NVD CPE data on 2024-04-19');
    expect(lines.some((l) => l.includes('PROVISIONAL'))).toBe(false);
    expect(whyLines(sampleAlert({ provisional: false })).some((l) => /PROVISIONAL|confirmed/.test(l))).toBe(false);
  });

  it('why: a match on a wildcard CPE only says that is why it is provisional', () => {
    const lines = whyLines(sampleAlert({ explanation: { provisionalReason: WILDCARD_ONLY } }));
    expect(lines.at(-1)).toBe('PROVISIONAL: matched only a wildcard CPE (any version): no source states which versions are affected');
  });

  it('why: a changed event lists the diff old → new', () => {
    const alert = sampleAlert({
      event: 'changed',
      eventKey: 'changed:2024-04-13',
      explanation: {
        event: {
          type: 'changed',
          summary: '2 fields changed',
          changes: [
            { field: 'cvss.primary', old: null, new: '10.0 CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', source: 'nvd', at: '2024-04-13T00:15:00.000Z' },
            { field: 'vulnStatus', old: 'Received', new: 'Awaiting Analysis', source: 'nvd', at: '2024-04-13T00:15:00.000Z' },
          ],
        },
      },
    });
    expect(headline(alert, 300).startsWith('CRITICAL CVE-2024-3400 changed: PAN-OS')).toBe(true);
    expect(whyLines(alert).slice(0, 3)).toEqual([
      'Event: 2 fields changed',
      '  cvss.primary: (none) → 10.0 CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H (nvd, 2024-04-13)',
      '  vulnStatus: Received → Awaiting Analysis (nvd, 2024-04-13)',
    ]);
  });

  it('why: an EPSS event shows both days (CVE-2024-43461, 2026-06-14 → 2026-08-16)', () => {
    const before = corpusEpss('CVE-2024-43461', '2026-06-14');
    const after = corpusEpss('CVE-2024-43461', '2026-08-16');
    expect(before && after).toBeTruthy();
    if (!before || !after) return;
    const alert = sampleAlert({
      cveId: 'CVE-2024-43461',
      event: 'epss_threshold',
      eventKey: 'epss_threshold:2026-08-16',
      facts: corpusFacts('CVE-2024-43461'),
      explanation: {
        event: {
          type: 'epss_threshold',
          summary: `EPSS ${formatPercent(before.score)} → ${formatPercent(after.score)}, above 50%`,
          epss: { date: '2026-08-16', score: after.score, percentile: after.percentile, previousDate: '2026-06-14', previousScore: before.score },
        },
        thresholds: [{ name: 'minEpss', required: 0.5, actual: after.score, passed: true }],
      },
    });
    expect(headline(alert, 300)).toMatch(/^HIGH CVE-2024-43461 EPSS over threshold: /);
    const why = whyLines(alert);
    expect(why[0]).toBe('Event: EPSS 9.89% → 52.16%, above 50%');
    expect(why[1]).toBe('  EPSS 9.89% on 2026-06-14 → 52.16% on 2026-08-16 (percentile 98.86%)');
    expect(why).toContain('Threshold minEpss: required 50%, actual 52.16% (passed)');
  });

  it('digest title: period, count and bounds', () => {
    expect(digestTitle(sampleDigest(3))).toBe('Vigil daily digest: 3 alerts (2026-08-15 → 2026-08-16)');
    expect(digestTitle({ alerts: [sampleAlert()] })).toBe(headline(sampleAlert()));
  });
});
