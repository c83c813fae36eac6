import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import { largestRepeat, MAX_REGEX_PROGRAM, regexCostProblem } from './regex-budget.ts';

describe('largestRepeat', () => {
  it.each<[string, number]>([
    ['log4j', 0],
    ['a*b+c?', 0],
    ['\\d{4}', 4],
    ['\\d{2,}', 2],
    ['[a-z]{0,100}x', 100],
    ['[\\s\\S]{0,1000}x[\\s\\S]{0,1000}y', 1000],
    ['(a{0,10}){0,10}', 100],
    ['(?:(?:a{3}){4}){5}', 60],
    ['(a{0,10})*', 10],
    ['(?:ab){0,7}|c{9}', 9],
    ['\\{1,500}', 0], // an escaped brace: a literal
    ['[{]{0,5}', 5], // a brace in a class, then a count
    ['[]{]{2}', 2], // `]` first in a class is a member
    ['[^]x]{3}', 3],
    ['[[:alpha:]]{0,7}', 7],
    ['\\p{Greek}{2}', 2],
    ['\\x{41}', 0],
    ['\\Q{500}\\E', 0],
    ['a{1,5}?b', 5],
  ])('%s → %i', (pattern, n) => {
    RE2JS.compile(pattern); // each row is valid RE2
    expect(largestRepeat(pattern)).toBe(n);
  });
});

describe('regexCostProblem', () => {
  const problem = (p: string) => regexCostProblem(p, RE2JS.compile(p, RE2JS.CASE_INSENSITIVE).programSize());
  it.each(['log4j', 'command\\s+injection', '\\bcve-\\d{4}-\\d+\\b', 'apache.{0,40}struts', '(?:buffer|heap|stack)\\s+overflow', '[a-z]{0,90}x', '(?:\\w+\\s+){0,10}overflow'])('accepts %s', (p) => {
    expect(problem(p)).toBeNull();
  });
  it.each<[string, RegExp]>([
    ['[\\s\\S]{0,1000}x[\\s\\S]{0,1000}y', /^a counted repetition of 1000 .*\(limit 100\)/],
    ['(a{0,20}){0,20}', /^a counted repetition of 400 /],
    ['.{0,100}x.{0,100}y', /^it compiles to 404 RE2 instructions, too costly to run on every CVE \(limit 200\)/],
    [`(?:${'abcdefgh'.repeat(40)})`, /^the pattern is 324 characters long \(limit 256\)/],
  ])('refuses %s', (p, reason) => {
    expect(problem(p)).toMatch(reason);
  });
  it('limits the program size', () => {
    expect(regexCostProblem('x', MAX_REGEX_PROGRAM)).toBeNull();
    expect(regexCostProblem('x', MAX_REGEX_PROGRAM + 1)).toMatch(/limit 200/);
  });
});
