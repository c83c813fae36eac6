import { describe, expect, it } from 'vitest';
import type { Advisory } from '../model/advisory.ts';
import { advisoryFacts, advisoryPage, advisoryThresholdFacts, severityOfWord } from './advisory-facts.ts';
import { advisoryKindLabel } from './render.ts';

describe('advisory facts', () => {
  it.each<[Pick<Advisory, 'id' | 'source' | 'url'>, string | null]>([
    [{ id: 'CERTFR-2026-AVI-0049', source: 'certfr' }, 'https://www.cert.ssi.gouv.fr/avis/CERTFR-2026-AVI-0049/'],
    [{ id: 'CERTFR-2024-ALE-001', source: 'certfr' }, 'https://www.cert.ssi.gouv.fr/alerte/CERTFR-2024-ALE-001/'],
    [{ id: 'CERTA-2009-AVI-012', source: 'certfr' }, 'https://www.cert.ssi.gouv.fr/avis/CERTA-2009-AVI-012/'],
    // The source's own URL loses to the ANSSI page for CERT-FR (the seed requirement), wins elsewhere.
    [{ id: 'CERTFR-2026-AVI-0049', source: 'certfr', url: 'https://example.org/x' }, 'https://www.cert.ssi.gouv.fr/avis/CERTFR-2026-AVI-0049/'],
    [
      { id: 'GHSA-36p3-wjmg-h94x', source: 'ghsa', url: 'https://github.com/advisories/GHSA-36p3-wjmg-h94x' },
      'https://github.com/advisories/GHSA-36p3-wjmg-h94x',
    ],
    [{ id: 'EDB-44298', source: 'exploitdb' }, null],
  ])('page of %o', (adv, page) => {
    expect(advisoryPage(adv)).toBe(page);
  });

  it.each([
    ['CRITICAL', 'CRITICAL'],
    ['HIGH', 'HIGH'],
    ['Important', 'HIGH'],
    ['MODERATE', 'MEDIUM'],
    ['Moderate', 'MEDIUM'],
    ['medium', 'MEDIUM'],
    ['LOW', 'LOW'],
    ['Non spécifié', null],
    [undefined, null],
  ])('severity word %s → %s', (word, severity) => {
    expect(severityOfWord(word)).toBe(severity);
  });

  it.each([
    [{ kind: 'bulletin', source: 'certfr' }, 'CERT-FR bulletin'],
    [{ kind: 'alert', source: 'certfr' }, 'CERT-FR alert'],
    [{ kind: 'package', source: 'ghsa' }, 'package advisory'],
    [{ kind: 'vex', source: 'csaf' }, 'CSAF VEX document'],
    [{ kind: 'exploit', source: 'exploitdb' }, 'Exploit-DB exploit'],
  ])('kind label of %o', (adv, label) => {
    expect(advisoryKindLabel(adv)).toBe(label);
  });

  const bulletin: Advisory = {
    id: 'CERTFR-2026-AVI-0049',
    source: 'certfr',
    kind: 'bulletin',
    title: 'Multiples vulnérabilités dans les produits Palo Alto Networks',
    summary: 'De multiples vulnérabilités ont été découvertes dans les produits Palo Alto Networks.',
    published: '2026-01-15T00:00:00.000Z',
    modified: '2026-01-15T00:00:00.000Z',
    aliases: [],
    cves: [{ id: 'CVE-2026-0227', origin: 'listed' }],
    affected: [
      { status: 'affected', vendor: 'Palo Alto Networks', product: 'PAN-OS', description: 'PAN-OS versions 11.2.x antérieures à 11.2.4-h4' },
      { status: 'affected', vendor: 'Palo Alto Networks', product: 'PAN-OS', description: 'PAN-OS versions 10.2.x antérieures à 10.2.13-h3' },
      { status: 'not_affected', vendor: 'Palo Alto Networks', product: 'Cloud NGFW' },
    ],
    references: [],
  };

  it('facts of a bulletin without stored CVE records: its own title, summary, products and page', () => {
    const f = advisoryFacts(bulletin, null, []);
    expect(f).toMatchObject({
      cveId: bulletin.id,
      title: bulletin.title,
      severity: null,
      cvss: null,
      epss: null,
      kev: null,
      priority: 0,
      products: ['Palo Alto Networks PAN-OS'],
      link: 'https://www.cert.ssi.gouv.fr/avis/CERTFR-2026-AVI-0049/',
    });
    expect(f.description).toBe(bulletin.summary);
  });

  it('threshold facts: the severity word, else the highest CVSS score', () => {
    expect(advisoryThresholdFacts({ ...bulletin, severity: 'MODERATE' }, [])).toEqual({
      severity: 'MEDIUM',
      cvssScore: null,
      epss: null,
      percentile: null,
      kev: false,
      ransomware: false,
    });
    expect(
      advisoryThresholdFacts(
        {
          ...bulletin,
          cvss: [
            { vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 9.8 },
            { vector: 'x', score: null },
          ],
        },
        [],
      ),
    ).toMatchObject({ severity: 'CRITICAL', cvssScore: 9.8 });
  });
});
