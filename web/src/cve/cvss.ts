/**
 * CVSS vector breakdown for display: each base metric of a v2.0, v3.x or v4.0 vector with its
 * name, its value's name and how much that value worsens the score (2 worst, 0 least). Names per
 * the specifications: https://www.first.org/cvss/v2/guide §2.1, https://www.first.org/cvss/v3.1/specification-document §2–3,
 * https://www.first.org/cvss/v4.0/specification-document §2.
 */

type Values = Record<string, [label: string, level: 0 | 1 | 2]>;

const CIA_V3: Values = { H: ['High', 2], L: ['Low', 1], N: ['None', 0] };
const AV: Values = { N: ['Network', 2], A: ['Adjacent', 1], L: ['Local', 0], P: ['Physical', 0] };
const AC: Values = { L: ['Low', 2], H: ['High', 0] };
const PR: Values = { N: ['None', 2], L: ['Low', 1], H: ['High', 0] };

const V2: Record<string, [string, Values]> = {
  AV: ['Access Vector', { N: ['Network', 2], A: ['Adjacent Network', 1], L: ['Local', 0] }],
  AC: ['Access Complexity', { L: ['Low', 2], M: ['Medium', 1], H: ['High', 0] }],
  Au: ['Authentication', { N: ['None', 2], S: ['Single', 1], M: ['Multiple', 0] }],
  C: ['Confidentiality Impact', { C: ['Complete', 2], P: ['Partial', 1], N: ['None', 0] }],
  I: ['Integrity Impact', { C: ['Complete', 2], P: ['Partial', 1], N: ['None', 0] }],
  A: ['Availability Impact', { C: ['Complete', 2], P: ['Partial', 1], N: ['None', 0] }],
};

const V3: Record<string, [string, Values]> = {
  AV: ['Attack Vector', AV],
  AC: ['Attack Complexity', AC],
  PR: ['Privileges Required', PR],
  UI: ['User Interaction', { N: ['None', 2], R: ['Required', 0] }],
  S: ['Scope', { C: ['Changed', 2], U: ['Unchanged', 0] }],
  C: ['Confidentiality', CIA_V3],
  I: ['Integrity', CIA_V3],
  A: ['Availability', CIA_V3],
};

const V4: Record<string, [string, Values]> = {
  AV: ['Attack Vector', AV],
  AC: ['Attack Complexity', AC],
  AT: ['Attack Requirements', { N: ['None', 2], P: ['Present', 0] }],
  PR: ['Privileges Required', PR],
  UI: ['User Interaction', { N: ['None', 2], P: ['Passive', 1], A: ['Active', 0] }],
  VC: ['Vulnerable System Confidentiality', CIA_V3],
  VI: ['Vulnerable System Integrity', CIA_V3],
  VA: ['Vulnerable System Availability', CIA_V3],
  SC: ['Subsequent System Confidentiality', CIA_V3],
  SI: ['Subsequent System Integrity', CIA_V3],
  SA: ['Subsequent System Availability', CIA_V3],
  E: ['Exploit Maturity', { A: ['Attacked', 2], P: ['Proof of Concept', 1], U: ['Unreported', 0], X: ['Not Defined', 1] }],
};

/** One metric of a vector. */
export interface VectorMetric {
  key: string;
  name: string;
  value: string;
  valueName: string;
  /** 2: the value that scores worst; 0: least; null: a metric we do not describe. */
  level: 0 | 1 | 2 | null;
}

/**
 * Splits a vector into named metrics, in vector order; metrics outside the base set are listed
 * with their codes.
 * @example breakdown('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', '3.1')[0] // {key:'AV', name:'Attack Vector', valueName:'Network', level:2, …}
 */
export function breakdown(vector: string, version: string): VectorMetric[] {
  const table = version === '2.0' ? V2 : version === '4.0' ? V4 : V3;
  return vector
    .split('/')
    .filter((part) => part.includes(':') && !part.startsWith('CVSS:'))
    .map((part) => {
      const [key = '', value = ''] = part.split(':');
      const def = table[key];
      const v = def?.[1][value];
      return { key, name: def?.[0] ?? key, value, valueName: v?.[0] ?? value, level: v ? v[1] : null };
    });
}
