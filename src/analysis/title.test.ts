/**
 * The list title and snippet rule, table-tested on real descriptions from the corpus (CVE 5 CNA
 * containers and NVD API 2.0 records, read by id) and on a few sentences of our own for the
 * abbreviations; then checked over every description of the corpus: titles and snippets are cut
 * only between words and within their limits.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { clipWords, listText, normalize, SNIPPET_MAX, TITLE_MAX } from './title.ts';

/** The CNA's English description and title of a CVE 5 record, or NVD's description of an API 2.0 record. */
function corpusRecord(id: string): { title?: string; description: string } {
  const [, year, num] = id.split('-') as [string, string, string];
  try {
    const file = corpusPath('cve5', 'records', year, `${Math.floor(Number(num) / 1000)}xxx`, `${id}.json`);
    const cna = JSON.parse(readFileSync(file, 'utf8')).containers.cna;
    return { title: cna.title, description: cna.descriptions.find((d: { lang: string }) => d.lang.startsWith('en')).value };
  } catch {
    const nvd = JSON.parse(readFileSync(corpusPath('nvd', 'api2', 'records', `${id}.json`), 'utf8'));
    const cve = nvd.vulnerabilities?.[0]?.cve ?? nvd.cve ?? nvd;
    return { description: cve.descriptions.find((d: { lang: string }) => d.lang === 'en').value };
  }
}

describe.skipIf(!hasCorpus())('listText on real descriptions whose CNA gave no title (or ignoring it)', () => {
  it.each([
    // Cut at 120 between words; the snippet goes on where the title stopped.
    [
      'CVE-2021-44529',
      'A code injection vulnerability in the Ivanti EPM Cloud Services Appliance (CSA) allows an unauthenticated user to…',
      '…execute arbitrary code with limited permissions (nobody).',
    ],
    // NVD only (no CVE 5 record): the description the watchlist preview cut to "…enables an unauth".
    [
      'CVE-2024-0012',
      'An authentication bypass in Palo Alto Networks PAN-OS software enables an unauthenticated attacker with network access…',
      '…to the management web interface to gain PAN-OS administrator privileges to perform administrative actions, tamper with the configuration, or exploit other authenticated privilege escalation…',
    ],
    // One short sentence: the whole of it, without its period; nothing left for a snippet.
    ['CVE-2019-19750', 'minerstat msOS before 2019-10-23 does not have a unique SSH key for each instance of the product', null],
    // A version ends a sentence (`5.247.01.`).
    ['CVE-2023-40279', 'An issue was discovered in OpenClinic GA 5.247.01', 'An attacker can perform a directory path traversal via the Page parameter in a GET request to main.do.'],
    // `Joomla! 4.0.0`: a `!` before a digit is part of a name.
    ['CVE-2023-23752', 'An issue was discovered in Joomla! 4.0.0 through 4.2.7', 'An improper access check allows unauthorized access to webservice endpoints.'],
    // Abbreviations: `Rev. Ax`, `(rev. Bx)`, `Unauth.`, `Inc.`.
    [
      'CVE-2015-2051',
      'The D-Link DIR-645 Wired/Wireless Router Rev. Ax with firmware 1.04b12 and earlier allows remote attackers to execute…',
      '…arbitrary commands via a GetDeviceSettings action to the HNAP interface.',
    ],
    [
      'CVE-2014-100005',
      'Multiple cross-site request forgery (CSRF) vulnerabilities in D-Link DIR-600 router (rev. Bx) with firmware before…',
      '…2.17b02 allow remote attackers to hijack the authentication of administrators for requests that (1) create an administrator account or (2) enable remote management via a crafted configuration module…',
    ],
    [
      'CVE-2023-30487',
      'Unauth. Reflected Cross-Site Scripting (XSS) vulnerability in ThimPress LearnPress Export Import plugin <= 4.0.2…',
      '…versions.',
    ],
    [
      'CVE-2023-51489',
      'Cross-Site Request Forgery (CSRF) vulnerability in Automattic, Inc. Crowdsignal Dashboard – Polls, Surveys & more',
      'This issue affects Crowdsignal Dashboard – Polls, Surveys & more: from n/a through 3.0.11.',
    ],
    // Apache's template glues the next sentence on: `…Apache OFBiz.This issue affects…`.
    [
      'CVE-2024-32113',
      "Improper Limitation of a Pathname to a Restricted Directory ('Path Traversal') vulnerability in Apache OFBiz",
      'This issue affects Apache OFBiz: before 18.12.13. Users are recommended to upgrade to version 18.12.13, which fixes the issue.',
    ],
    // Oracle's form: the first sentence names product and component.
    [
      'CVE-2019-2725',
      'Vulnerability in the Oracle WebLogic Server component of Oracle Fusion Middleware (subcomponent: Web Services)',
      'Supported versions that are affected are 10.3.6.0.0 and 12.1.3.0.0. Easily exploitable vulnerability allows unauthenticated attacker with network access via HTTP to compromise Oracle WebLogic Server.…',
    ],
    // `<p>` left in by the CNA is formatting, not text.
    [
      'CVE-2021-34527',
      'A remote code execution vulnerability exists when the Windows Print Spooler service improperly performs privileged file…',
      '…operations. An attacker who successfully exploited this vulnerability could run arbitrary code with SYSTEM privileges. An attacker could then install programs; view, change, or delete data; or…',
    ],
    // A paragraph break inside a sentence (the next paragraph starts in lower case) does not end it.
    [
      'CVE-2024-1709',
      'ConnectWise ScreenConnect 23.9.7 and prior are affected by an Authentication Bypass Using an Alternate Path or Channel…',
      '…vulnerability, which may allow an attacker direct access to confidential information or critical systems.',
    ],
    // The Linux kernel CNA's lead-in is skipped: the commit subject is the title.
    [
      'CVE-2022-48669',
      'powerpc/pseries: Fix potential memleak in papr_get_attr()',
      '`buf` is allocated in papr_get_attr(), and krealloc() of `buf` could fail. We need to free the original `buf` in the case of failure.',
    ],
    [
      'CVE-2023-52755',
      'ksmbd: fix slab out of bounds write in smb_inherit_dacl()',
      'slab out-of-bounds write is caused by that offsets is bigger than pntsd allocation size. This patch add the check to validate 3 offsets using allocation size.',
    ],
  ])('%s', (id, title, snippet) => {
    expect(listText(undefined, corpusRecord(id).description)).toEqual({ title, snippet });
  });

  it("keeps a CNA's own title whole and snippets the description from its start", () => {
    const r = corpusRecord('CVE-2024-3400');
    expect(r.title).toBeDefined();
    const text = listText(r.title, r.description);
    expect(text.title).toBe(r.title);
    expect(text.snippet).toMatch(/^A command injection as a result of arbitrary file creation vulnerability in the GlobalProtect feature/);
    expect(text.snippet?.length).toBeLessThanOrEqual(SNIPPET_MAX);
  });
});

describe('listText on sentences of our own', () => {
  it.each([
    ['Foo allows XSS via crafted input (e.g. Unicode tricks). Reported by X.', 'Foo allows XSS via crafted input (e.g. Unicode tricks)'],
    ['Foo allows XSS, i.e. Stored XSS in the admin page. Reported by X.', 'Foo allows XSS, i.e. Stored XSS in the admin page'],
    ['Made by U.S. Robotics Corp. Foo Division, the modem leaks keys. More text.', 'Made by U.S. Robotics Corp. Foo Division, the modem leaks keys'],
    ['A flaw in Bar v. 2 lets users in. Fixed in 3.', 'A flaw in Bar v. 2 lets users in'],
    ['Files, logs, etc. The attacker reads them.', 'Files, logs, etc'],
    ['A flaw exists in version 1.2.3. An attacker can crash it.', 'A flaw exists in version 1.2.3'],
    ['Is this a bug? Yes it is.', 'Is this a bug?'],
    ['No sentence end here', 'No sentence end here'],
  ])('%s', (description, title) => {
    expect(listText(null, description).title).toBe(title);
  });

  it('is null without a title or a description', () => {
    expect(listText(null, null)).toEqual({ title: null, snippet: null });
    expect(listText(undefined, '  ')).toEqual({ title: null, snippet: null });
    expect(listText('Own title', undefined)).toEqual({ title: 'Own title', snippet: null });
  });
});

describe('clipWords', () => {
  it.each([
    ['enables an unauthenticated attacker', 20, 'enables an…'],
    ['short', 20, 'short'],
    ['exactly twenty chars', 20, 'exactly twenty chars'],
    ['a list, of things', 8, 'a list…'],
    ['tamper with (the configuration)', 14, 'tamper with…'],
    ['https://example.org/a/very/long/path', 12, 'https://exa…'],
  ])('%s at %i', (text, max, clipped) => {
    expect(clipWords(text, max)).toBe(clipped);
    expect(clipWords(text, max).length).toBeLessThanOrEqual(max);
  });
});

/** Every English description of the corpus: CVE 5 CNA containers, NVD API 2.0 records and NVD 1.1 feeds. */
function allDescriptions(): string[] {
  const walk = (d: string): string[] => readdirSync(d).flatMap((e) => (statSync(path.join(d, e)).isDirectory() ? walk(path.join(d, e)) : [path.join(d, e)]));
  const out: string[] = [];
  for (const f of walk(corpusPath('cve5', 'records'))) {
    const cna = JSON.parse(readFileSync(f, 'utf8')).containers?.cna;
    const d = cna?.descriptions?.find((x: { lang: string }) => x.lang.startsWith('en'))?.value;
    if (d) out.push(d);
  }
  for (const f of readdirSync(corpusPath('nvd')).filter((n) => n.endsWith('.json.gz'))) {
    for (const item of JSON.parse(gunzipSync(readFileSync(corpusPath('nvd', f))).toString('utf8')).CVE_Items) {
      const d = item.cve.description.description_data.find((x: { lang: string }) => x.lang === 'en')?.value;
      if (d) out.push(d);
    }
  }
  return out;
}

describe.skipIf(!hasCorpus())('listText over every description of the corpus', () => {
  it('cuts titles and snippets only between words, within their limits, and titles are never empty', () => {
    const descriptions = allDescriptions();
    expect(descriptions.length).toBeGreaterThan(2000);
    const problems: string[] = [];
    for (const d of descriptions) {
      const source = normalize(d).replace(/\n\n/g, ' ');
      const { title, snippet } = listText(undefined, d);
      if (!title) problems.push(`no title: ${d.slice(0, 60)}`);
      if ((title?.length ?? 0) > TITLE_MAX) problems.push(`long title: ${title}`);
      if ((snippet?.length ?? 0) > SNIPPET_MAX + 1) problems.push(`long snippet: ${snippet}`);
      for (const shown of [title, snippet]) {
        if (!shown) continue;
        // The text shown must occur in the description; a space may have been added between
        // sentences the CNA glued together (`…OFBiz.This issue…`).
        const head = shown.replace(/^…/, '').replace(/ ?…$/, '');
        const found = new RegExp(head.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, ' ?'), 'u').exec(source);
        const at = found?.index ?? -1;
        const after = source[at + (found?.[0].length ?? 0)] ?? '';
        const before = source[at - 1] ?? '';
        if (at < 0) problems.push(`not from the description: ${shown}`);
        else if (shown.endsWith('…') && /[\p{L}\p{N}]/u.test(after)) problems.push(`ends inside a word: ${shown}`);
        else if (shown.startsWith('…') && /[\p{L}\p{N}]/u.test(before)) problems.push(`starts inside a word: ${shown}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
