/** The vendor display-name rule (vendor-names.ts), one row per case. */
import { describe, expect, it } from 'vitest';
import { displayName } from './vendor-names.ts';

describe('displayName', () => {
  it.each([
    { name: 'a capitalised spelling beats a more common CPE key', spellings: ['microsoft', 'microsoft', 'microsoft', 'Microsoft'], want: 'Microsoft' },
    { name: 'the most common capitalised spelling', spellings: ['Oracle', 'Oracle Corp', 'Oracle', 'oracle'], want: 'Oracle' },
    { name: 'all lower case: the most common', spellings: ['dlink', 'd-link', 'd-link'], want: 'd-link' },
    { name: 'a tie: alphabetical', spellings: ['ZyXEL', 'Zyxel'], want: 'ZyXEL' },
    { name: 'a name holding a comma', spellings: ['MediaTek, Inc.', 'mediatek, inc.'], want: 'MediaTek, Inc.' },
    { name: 'nothing stated', spellings: [], want: null },
  ])('$name', ({ spellings, want }) => {
    expect(displayName(spellings)).toBe(want);
  });
});
