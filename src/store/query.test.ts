import { describe, expect, it } from 'vitest';
import { ftsQuery } from './query.ts';

describe('ftsQuery: user text never reaches FTS5 as syntax', () => {
  const rows: [string, string | null][] = [
    ['remote code execution', '"remote" "code" "execution"'],
    ['PAN-OS GlobalProtect', '"PAN" "OS" "GlobalProtect"'],
    ['"unterminated', '"unterminated"'],
    ['foo* OR (bar) NEAR/2', '"foo" "OR" "bar" "NEAR" "2"'],
    ["'; DROP TABLE vulns; --", '"DROP" "TABLE" "vulns"'],
    ['CVE-2024-3400', '"CVE" "2024" "3400"'],
    ['Überprüfung café', '"Überprüfung" "café"'],
    ['*** --- ""', null],
    ['', null],
  ];
  for (const [input, expected] of rows) it(JSON.stringify(input), () => expect(ftsQuery(input)).toBe(expected));
});
