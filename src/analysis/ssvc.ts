/**
 * SSVC decisions with CISA's coordinator decision tree: Exploitation × Automatable × Technical
 * Impact × Mission & Well-being → Track, Track*, Attend or Act.
 *
 * Guide: CISA, "Stakeholder-Specific Vulnerability Categorization Guide" (Nov 2022),
 * https://www.cisa.gov/sites/default/files/publications/cisa-ssvc-guide%20508c.pdf
 * Table transcribed from CERT/CC's machine-readable copy of that tree:
 * repository CERTCC/SSVC, file `data/csv/cisa/cisa_coordinator_2_0_3.csv`
 * (commit 5513459d9f806904d0f90add28443827d5af4576; the same mapping is in
 * `src/ssvc/decision_tables/cisa/cisa_coordinate_dt.py`, "CISA Coordinator" version 2.0.3).
 * The CSV writes Exploitation "public poc"; CISA's vulnrichment writes "PoC", i.e. `poc` here.
 *
 * Exploitation, Automatable and Technical Impact come from CISA ADP vulnrichment; Mission &
 * Well-being is the deploying organisation's own judgement, so the caller supplies it.
 */
import type { SsvcInputs } from '../model/vulnerability.ts';

/** CISA's four decisions, least to most urgent. */
export type SsvcDecision = 'Track' | 'Track*' | 'Attend' | 'Act';

/** Mission & Well-being impact (CISA guide: Mission Prevalence × Public Well-being Impact). */
export type MissionWellbeing = 'low' | 'medium' | 'high';

/** Version of the CISA Coordinator decision table below. */
export const SSVC_CISA_TABLE_VERSION = '2.0.3';

/** The 36 rows of the CISA Coordinator decision table, in the order of the cited CSV. */
export const CISA_SSVC_TABLE = [
  { exploitation: 'none', automatable: 'no', technicalImpact: 'partial', missionWellbeing: 'low', decision: 'Track' },
  { exploitation: 'none', automatable: 'no', technicalImpact: 'partial', missionWellbeing: 'medium', decision: 'Track' },
  { exploitation: 'none', automatable: 'no', technicalImpact: 'partial', missionWellbeing: 'high', decision: 'Track' },
  { exploitation: 'none', automatable: 'no', technicalImpact: 'total', missionWellbeing: 'low', decision: 'Track' },
  { exploitation: 'none', automatable: 'no', technicalImpact: 'total', missionWellbeing: 'medium', decision: 'Track' },
  { exploitation: 'none', automatable: 'no', technicalImpact: 'total', missionWellbeing: 'high', decision: 'Track*' },
  { exploitation: 'none', automatable: 'yes', technicalImpact: 'partial', missionWellbeing: 'low', decision: 'Track' },
  { exploitation: 'none', automatable: 'yes', technicalImpact: 'partial', missionWellbeing: 'medium', decision: 'Track' },
  { exploitation: 'none', automatable: 'yes', technicalImpact: 'partial', missionWellbeing: 'high', decision: 'Attend' },
  { exploitation: 'none', automatable: 'yes', technicalImpact: 'total', missionWellbeing: 'low', decision: 'Track' },
  { exploitation: 'none', automatable: 'yes', technicalImpact: 'total', missionWellbeing: 'medium', decision: 'Track' },
  { exploitation: 'none', automatable: 'yes', technicalImpact: 'total', missionWellbeing: 'high', decision: 'Attend' },
  { exploitation: 'poc', automatable: 'no', technicalImpact: 'partial', missionWellbeing: 'low', decision: 'Track' },
  { exploitation: 'poc', automatable: 'no', technicalImpact: 'partial', missionWellbeing: 'medium', decision: 'Track' },
  { exploitation: 'poc', automatable: 'no', technicalImpact: 'partial', missionWellbeing: 'high', decision: 'Track*' },
  { exploitation: 'poc', automatable: 'no', technicalImpact: 'total', missionWellbeing: 'low', decision: 'Track' },
  { exploitation: 'poc', automatable: 'no', technicalImpact: 'total', missionWellbeing: 'medium', decision: 'Track*' },
  { exploitation: 'poc', automatable: 'no', technicalImpact: 'total', missionWellbeing: 'high', decision: 'Attend' },
  { exploitation: 'poc', automatable: 'yes', technicalImpact: 'partial', missionWellbeing: 'low', decision: 'Track' },
  { exploitation: 'poc', automatable: 'yes', technicalImpact: 'partial', missionWellbeing: 'medium', decision: 'Track' },
  { exploitation: 'poc', automatable: 'yes', technicalImpact: 'partial', missionWellbeing: 'high', decision: 'Attend' },
  { exploitation: 'poc', automatable: 'yes', technicalImpact: 'total', missionWellbeing: 'low', decision: 'Track' },
  { exploitation: 'poc', automatable: 'yes', technicalImpact: 'total', missionWellbeing: 'medium', decision: 'Track*' },
  { exploitation: 'poc', automatable: 'yes', technicalImpact: 'total', missionWellbeing: 'high', decision: 'Attend' },
  { exploitation: 'active', automatable: 'no', technicalImpact: 'partial', missionWellbeing: 'low', decision: 'Track' },
  { exploitation: 'active', automatable: 'no', technicalImpact: 'partial', missionWellbeing: 'medium', decision: 'Track' },
  { exploitation: 'active', automatable: 'no', technicalImpact: 'partial', missionWellbeing: 'high', decision: 'Attend' },
  { exploitation: 'active', automatable: 'no', technicalImpact: 'total', missionWellbeing: 'low', decision: 'Track' },
  { exploitation: 'active', automatable: 'no', technicalImpact: 'total', missionWellbeing: 'medium', decision: 'Attend' },
  { exploitation: 'active', automatable: 'no', technicalImpact: 'total', missionWellbeing: 'high', decision: 'Act' },
  { exploitation: 'active', automatable: 'yes', technicalImpact: 'partial', missionWellbeing: 'low', decision: 'Attend' },
  { exploitation: 'active', automatable: 'yes', technicalImpact: 'partial', missionWellbeing: 'medium', decision: 'Attend' },
  { exploitation: 'active', automatable: 'yes', technicalImpact: 'partial', missionWellbeing: 'high', decision: 'Act' },
  { exploitation: 'active', automatable: 'yes', technicalImpact: 'total', missionWellbeing: 'low', decision: 'Attend' },
  { exploitation: 'active', automatable: 'yes', technicalImpact: 'total', missionWellbeing: 'medium', decision: 'Act' },
  { exploitation: 'active', automatable: 'yes', technicalImpact: 'total', missionWellbeing: 'high', decision: 'Act' },
] as const satisfies readonly {
  exploitation: SsvcInputs['exploitation'];
  automatable: SsvcInputs['automatable'];
  technicalImpact: SsvcInputs['technicalImpact'];
  missionWellbeing: MissionWellbeing;
  decision: SsvcDecision;
}[];

/** An SSVC decision with what it was made from. */
export interface SsvcResult {
  decision: SsvcDecision;
  inputs: SsvcInputs;
  missionWellbeing: MissionWellbeing;
  /** Version of the decision table used ({@link SSVC_CISA_TABLE_VERSION}). */
  version: string;
}

function key(exploitation: string, automatable: string, technicalImpact: string, missionWellbeing: string): string {
  return `${exploitation}/${automatable}/${technicalImpact}/${missionWellbeing}`;
}

const byKey = new Map<string, SsvcDecision>(
  CISA_SSVC_TABLE.map((r) => [key(r.exploitation, r.automatable, r.technicalImpact, r.missionWellbeing), r.decision]),
);

/**
 * CISA's SSVC decision for a vulnerability.
 * @param inputs Exploitation / Automatable / Technical Impact, lower-cased, as CISA ADP vulnrichment states them.
 * @param missionWellbeing the organisation's Mission & Well-being impact (Vigil's config default: `medium`).
 * @throws RangeError when a value is outside the decision points (e.g. unvalidated input).
 * @example ssvcDecision({ exploitation: 'active', automatable: 'yes', technicalImpact: 'total' }, 'medium').decision // 'Act'
 */
export function ssvcDecision(inputs: SsvcInputs, missionWellbeing: MissionWellbeing): SsvcResult {
  const decision = byKey.get(key(inputs.exploitation, inputs.automatable, inputs.technicalImpact, missionWellbeing));
  if (!decision) {
    throw new RangeError(
      `no CISA SSVC decision for Exploitation "${inputs.exploitation}", Automatable "${inputs.automatable}", ` +
        `Technical Impact "${inputs.technicalImpact}", Mission & Well-being "${missionWellbeing}"`,
    );
  }
  return { decision, inputs, missionWellbeing, version: SSVC_CISA_TABLE_VERSION };
}
