import { describe, expect, it } from 'vitest';
import { findCveIds } from './cves.ts';

describe('findCveIds', () => {
  it.each<[string, string, string[]]>([
    ['plain', 'Patch CVE-2024-3400 now', ['CVE-2024-3400']],
    ['lower case', 'cve-2023-4966 (Citrix Bleed)', ['CVE-2023-4966']],
    ['mixed case', 'Cve-2021-44228', ['CVE-2021-44228']],
    ['five-digit sequence', 'CVE-2025-53770 and CVE-2025-53771', ['CVE-2025-53770', 'CVE-2025-53771']],
    ['seven-digit sequence', 'CVE-2021-1234567', ['CVE-2021-1234567']],
    ['en dash', 'CVE–2024–21762', ['CVE-2024-21762']],
    ['non-breaking hyphen', 'CVE\u20112023\u201146805', ['CVE-2023-46805']],
    ['hyphen U+2010', 'CVE\u20102022\u20100001', ['CVE-2022-0001']],
    ['minus sign', 'CVE\u22122020\u22121472', ['CVE-2020-1472']],
    ['underscore (file names)', 'poc_CVE_2019_0708.py', []],
    ['underscore standing alone', 'see CVE_2019_0708 here', ['CVE-2019-0708']],
    ['duplicates', 'CVE-2024-3400, cve-2024-3400; CVE‑2024‑3400', ['CVE-2024-3400']],
    ['numeric sort', 'CVE-2025-10000 CVE-2025-9999 CVE-2024-99999 CVE-2025-0001', ['CVE-2024-99999', 'CVE-2025-0001', 'CVE-2025-9999', 'CVE-2025-10000']],
    ['three digits is not an id', 'CVE-2024-123', []],
    ['two-digit year is not an id', 'CVE-24-1234', []],
    ['glued to a word before', 'XCVE-2024-1234 and fooCVE-2024-5678', []],
    ['glued to letters after', 'CVE-2024-1234abc', []],
    ['inside a longer number', 'CVE-2024-12345678901x', []],
    ['punctuation around', '(CVE-2024-1234), [CVE-2024-5678].', ['CVE-2024-1234', 'CVE-2024-5678']],
    ['in a URL', 'https://nvd.nist.gov/vuln/detail/CVE-2024-3400?x=1', ['CVE-2024-3400']],
    ['leading zero beyond four digits', 'CVE-2024-01234', []],
    ['GHSA and CWE are not CVEs', 'GHSA-xxxx-yyyy-zzzz CWE-79', []],
    ['none', '', []],
  ])('%s', (_name, text, expected) => {
    expect(findCveIds(text)).toEqual(expected);
  });
});
