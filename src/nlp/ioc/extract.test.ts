import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IocType } from '../types.ts';
import { createIocExtractor, extractIocs } from './index.ts';

function find(text: string, type: IocType): { value: string; original: string }[] {
  return extractIocs(text)
    .filter((i) => i.type === type)
    .map(({ value, original }) => ({ value, original }));
}

describe('defanged forms (one row per form)', () => {
  const rows: [form: string, text: string, type: IocType, value: string, original: string][] = [
    ['hxxp', 'get hxxp://evil.com/a now', 'url', 'http://evil.com/a', 'hxxp://evil.com/a'],
    ['hxxps', 'get hxxps://evil.com/a now', 'url', 'https://evil.com/a', 'hxxps://evil.com/a'],
    ['hXXp', 'get hXXp://evil.com/a now', 'url', 'http://evil.com/a', 'hXXp://evil.com/a'],
    ['hXXps', 'get hXXps://evil.com/a now', 'url', 'https://evil.com/a', 'hXXps://evil.com/a'],
    ['fxp', 'get fxp://files.evil.com/x now', 'url', 'ftp://files.evil.com/x', 'fxp://files.evil.com/x'],
    ['[.]', 'c2 evil[.]com ok', 'domain', 'evil.com', 'evil[.]com'],
    ['(.)', 'c2 evil(.)com ok', 'domain', 'evil.com', 'evil(.)com'],
    ['{.}', 'c2 evil{.}com ok', 'domain', 'evil.com', 'evil{.}com'],
    ['[dot]', 'c2 evil[dot]com ok', 'domain', 'evil.com', 'evil[dot]com'],
    ['(dot)', 'c2 evil(dot)com ok', 'domain', 'evil.com', 'evil(dot)com'],
    ['[DOT]', 'c2 evil[DOT]com ok', 'domain', 'evil.com', 'evil[DOT]com'],
    [' [.] spaced', 'c2 evil [.] com ok', 'domain', 'evil.com', 'evil [.] com'],
    ['[ . ] inner spaces', 'c2 evil[ . ]com ok', 'domain', 'evil.com', 'evil[ . ]com'],
    ['\\.', 'c2 evil\\.com ok', 'domain', 'evil.com', 'evil\\.com'],
    ['[@]', 'from bad[@]evil.com ok', 'email', 'bad@evil.com', 'bad[@]evil.com'],
    ['[at]', 'from bad[at]evil.com ok', 'email', 'bad@evil.com', 'bad[at]evil.com'],
    ['(at)', 'from bad(at)evil.com ok', 'email', 'bad@evil.com', 'bad(at)evil.com'],
    ['[at] + [dot]', 'from Bad[at]Evil[dot]com ok', 'email', 'bad@evil.com', 'Bad[at]Evil[dot]com'],
    ['[:]', 'get hxxp[:]//evil.com/a now', 'url', 'http://evil.com/a', 'hxxp[:]//evil.com/a'],
    ['[://]', 'get http[://]evil.com/a now', 'url', 'http://evil.com/a', 'http[://]evil.com/a'],
    ['hxxps[://]', 'get hxxps[://]evil[.]com/a now', 'url', 'https://evil.com/a', 'hxxps[://]evil[.]com/a'],
    ['IP 1.2.3[.]4', 'beacon 1.2.3[.]4 ok', 'ipv4', '1.2.3.4', '1.2.3[.]4'],
    ['IP all [.]', 'beacon 45[.]77[.]1[.]2 ok', 'ipv4', '45.77.1.2', '45[.]77[.]1[.]2'],
    ['IP (.)', 'beacon 45(.)77(.)1(.)2 ok', 'ipv4', '45.77.1.2', '45(.)77(.)1(.)2'],
    ['IP spaced " . "', 'beacon 2.2.2 . 2 ok', 'ipv4', '2.2.2.2', '2.2.2 . 2'],
    ['domain spaced " . "', 'c2 evil . com ok', 'domain', 'evil.com', 'evil . com'],
    ['URL host defanged', 'get https://evil[.]co[.]uk/x?a=1 now', 'url', 'https://evil.co.uk/x?a=1', 'https://evil[.]co[.]uk/x?a=1'],
    ['filename-like TLD defanged', 'c2 report[.]zip ok', 'domain', 'report.zip', 'report[.]zip'],
  ];
  it.each(rows)('%s', (_form, text, type, value, original) => {
    expect(find(text, type)).toContainEqual({ value, original });
  });
});

describe('each type', () => {
  const rows: [type: IocType, text: string, value: string][] = [
    ['ipv4', 'host 185.225.17.9 seen', '185.225.17.9'],
    ['ipv6', 'host 2001:DB8:0:0::1 seen', '2001:db8::1'],
    ['cidr', 'range 10.0.0.0/8 seen', '10.0.0.0/8'],
    ['cidr', 'range 2001:db8::/32 seen', '2001:db8::/32'],
    ['domain', 'resolves Update.Evil-Site.com daily', 'update.evil-site.com'],
    ['url', 'see https://evil.com/path/a.php?id=1).', 'https://evil.com/path/a.php?id=1'],
    ['url', 'see (https://evil.com/x_(y)) ok', 'https://evil.com/x_(y)'],
    ['email', 'from Phish.Er@Evil.com ok', 'phish.er@evil.com'],
    ['md5', 'md5 44D88612FEA8A8F36DE82E79E27F7B9D ok', '44d88612fea8a8f36de82e79e27f7b9d'],
    ['sha1', 'sha1 3395856ce81f2b7382dee72602f798b642f14140 ok', '3395856ce81f2b7382dee72602f798b642f14140'],
    [
      'sha256',
      'sha256 275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f ok',
      '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f',
    ],
    [
      'sha512',
      `h ${'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e'} ok`,
      'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e',
    ],
    [
      'ssdeep',
      'fuzzy 96:s4Ud1Lj96tHHlZDrwciQmA+4uy1I0G4HYuL8N3TzS8QsO/wqWXLcMSx:sF1LjEtHHlZDrJzrhuyZvHYm8tKp/RWO ok',
      '96:s4Ud1Lj96tHHlZDrwciQmA+4uy1I0G4HYuL8N3TzS8QsO/wqWXLcMSx:sF1LjEtHHlZDrJzrhuyZvHYm8tKp/RWO',
    ],
    ['cve', 'exploits cve-2021-44228 and', 'CVE-2021-44228'],
    ['cve', 'exploits CVE–2017–0199 (en dash)', 'CVE-2017-0199'],
    ['cve', 'exploits CVE_2019_0708 too', 'CVE-2019-0708'],
    ['attack', 'uses T1059.001 for', 'T1059.001'],
    ['attack', 'tactic TA0001 and', 'TA0001'],
    ['attack', 'group G0007 and', 'G0007'],
    ['attack', 'tool S0154 and', 'S0154'],
    ['attack', 'mitigation M1036 and', 'M1036'],
    ['asn', 'hosted in AS13335 and', 'AS13335'],
    ['asn', 'hosted in ASN 16509 and', 'AS16509'],
    ['btc', 'pay 1BoatSLRHtKNngkdXEeobR76b53LETtpyT now', '1BoatSLRHtKNngkdXEeobR76b53LETtpyT'],
    ['btc', 'pay bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq now', 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq'],
    [
      'xmr',
      'pay 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A now',
      '44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A',
    ],
    ['filename', 'drops C:\\Users\\Public\\svchost32.exe on', 'svchost32.exe'],
    ['filename', 'opens invoice_2024.docm first', 'invoice_2024.docm'],
    ['filename', 'archive report.zip attached', 'report.zip'],
    [
      'registry',
      'writes HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\Updater. Then',
      'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\Updater',
    ],
    [
      'registry',
      'key HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon is',
      'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon',
    ],
  ];
  it.each(rows)('%s in %j', (type, text, value) => {
    expect(find(text, type).map((i) => i.value)).toContain(value);
  });
});

describe('what is not an IOC', () => {
  const rows: [why: string, text: string, type: IocType][] = [
    ['executable name is no domain', 'runs cmd.exe then', 'domain'],
    ['archive name is no domain unless defanged', 'sent report.zip then', 'domain'],
    ['ESET detection name', 'detected as Win64/Emotet.AL today', 'domain'],
    ['unknown TLD', 'see foo.notatld ok', 'domain'],
    ['version number is no IPv4', 'version 1.2.3.4.5 ok', 'ipv4'],
    ['octet over 255', 'addr 300.1.2.3 ok', 'ipv4'],
    ['time is no IPv6', 'at 12:30:45 ok', 'ipv6'],
    ['C++ scope is no IPv6', 'calls std::string ok', 'ipv6'],
    ['bad Base58Check', 'pay 1BoatSLRHtKNngkdXEeobR76b53LETtpyX now', 'btc'],
    ['hex run of 31', `h ${'a'.repeat(31)} ok`, 'md5'],
    ['lowercase ATT&CK-like word', 'part t1059 ok', 'attack'],
    ['ATT&CK id inside a longer token', 'part XT1059 ok', 'attack'],
    ['AsciiDoc labelled link (a citation)', 'The https://www.misp-project.org[MISP] event is available', 'url'],
    ["AsciiDoc labelled link's host", 'The https://www.misp-project.org[MISP] event is available', 'domain'],
    ['Markdown labelled link (a citation)', 'see [the blog](https://unit42.paloaltonetworks.com/x/) for', 'url'],
    ['file in a Windows path is no domain', 'drops %TEMP%\\fl637136486220077590.data then', 'domain'],
  ];
  it.each(rows)('%s', (_why, text, type) => {
    expect(find(text, type)).toEqual([]);
  });
});

describe('reporting choices', () => {
  it('reports a URL host as a domain too, and an e-mail domain', () => {
    const types = extractIocs('see hxxps://evil[.]com/x and ops@mail.evil.org').map((i) => `${i.type}:${i.value}`);
    expect(types).toEqual(expect.arrayContaining(['url:https://evil.com/x', 'domain:evil.com', 'email:ops@mail.evil.org', 'domain:mail.evil.org']));
  });
  it('reports each (type, value) once, at its first occurrence', () => {
    const text = 'evil[.]com then evil.com then EVIL.COM';
    const d = extractIocs(text).filter((i) => i.type === 'domain');
    expect(d).toHaveLength(1);
    expect(d[0]?.start).toBe(0);
  });
  it('still reports a defanged URL followed by a bracket, a bare URL, and a Markdown link labelled with itself', () => {
    const urls = (text: string) => find(text, 'url').map((i) => i.value);
    expect(urls('hxxps://evil[.]com/a-[dup]-b')).toEqual(['https://evil.com/a-']);
    expect(urls('C2 at https://evil.com/gate.php.')).toEqual(['https://evil.com/gate.php']);
    expect(urls('[https://evil.com/x](https://evil.com/x)')).toEqual(['https://evil.com/x']);
    expect(urls('| [Evil.com](http://evil.com/) | C2 |')).toEqual(['http://evil.com/']);
    expect(urls('C2: http://evil.com/gate[evil.com]')).toEqual(['http://evil.com/gate']);
    expect(find('share \\\\files.evil.com\\drop', 'domain').map((i) => i.value)).toEqual(['files.evil.com']);
  });
  it('does not report path pieces of a URL as domains or file names', () => {
    const t = extractIocs('get http://evil.com/files/setup.exe now');
    expect(t.filter((i) => i.type === 'filename' || (i.type === 'domain' && i.value !== 'evil.com'))).toEqual([]);
  });
  it('flags warninglisted IOCs and keeps them', () => {
    const ex = createIocExtractor({
      lists: [],
      match: (type, value) => (type === 'ipv4' && value === '8.8.8.8' ? { list: 'public-dns-v4', name: 'DNS' } : null),
    });
    const iocs = ex.extract('dns 8.8.8.8 and 45.77.1.2');
    expect(iocs.find((i) => i.value === '8.8.8.8')?.warning).toEqual({ list: 'public-dns-v4', name: 'DNS' });
    expect(iocs.find((i) => i.value === '45.77.1.2')?.warning).toBeUndefined();
  });
});

describe('offsets invariant', () => {
  const pieces = [
    'hxxp',
    'hXXps',
    '[.]',
    '(.)',
    '{.}',
    '[dot]',
    '(at)',
    '[@]',
    '[:]',
    '[://]',
    '\\.',
    '://',
    '.',
    ' ',
    '\n',
    'evil',
    'com',
    'co.uk',
    '1.2.3',
    '4',
    '::',
    'a1',
    'ff',
    '/',
    'HKCU\\',
    'x.exe',
    '@',
    'CVE-2021-',
    '44228',
    'T1059',
    '.001',
    'é',
    '😀',
    '-',
    '_',
  ];
  it('never throws, and every IOC satisfies text.slice(start, end) === original', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 6 })), { maxLength: 40 }), (parts) => {
        const text = parts.join('');
        for (const i of extractIocs(text)) {
          expect(text.slice(i.start, i.end)).toBe(i.original);
          expect(i.start).toBeLessThan(i.end);
        }
      }),
      { numRuns: 400, seed: 14 },
    );
  });
  it('never throws on arbitrary unicode', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        for (const i of extractIocs(text)) expect(text.slice(i.start, i.end)).toBe(i.original);
      }),
      { numRuns: 150, seed: 7 },
    );
  });
});
