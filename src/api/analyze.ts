/**
 * `POST /api/analyze`: severity, priority and SSVC of CVEs given by id (read from the store) or
 * as records (CVE JSON 5 or NVD API 2.0, validated by the sources' own schemas and merged with
 * what the store holds of them: EPSS, KEV and other feeds' observations). Nothing is stored.
 */
import { mergeVulnerability } from '../analysis/merge.ts';
import { computePriority } from '../analysis/priority.ts';
import { buildView } from '../analysis/view.ts';
import type { Priority, ScoredCvss, SsvcAssessment } from '../model/record.ts';
import type { VulnObservation } from '../model/vulnerability.ts';
import { normalizeCve5Record } from '../sources/cve5/index.ts';
import { processRecord } from '../sources/nvd/records.ts';
import type { Store } from '../store/types.ts';

/** The analysis of one input. */
export interface AnalyzeResult {
  /** Position of the input in the request (0-based). */
  input: number;
  id: string | null;
  severity: string | null;
  cvss: Pick<ScoredCvss, 'version' | 'vector' | 'baseScore' | 'baseSeverity' | 'scorer'> | null;
  priority: Priority | null;
  ssvc: SsvcAssessment | null;
  /** Why the input could not be analysed (the others are unaffected). */
  error: string | null;
}

const CVE_ID = /^CVE-\d{4}-\d{4,19}$/;

/** Reads a record in either format. @returns the observation, or an error naming the field. */
function observationOf(record: Record<string, unknown>): { observation: VulnObservation } | { error: string } {
  if ('cveMetadata' in record || record.dataType === 'CVE_RECORD') {
    const n = normalizeCve5Record(record);
    return n.ok ? { observation: n.observation } : { error: `invalid CVE 5 record: ${n.problems.map((p) => `${p.field}: ${p.reason}`).join('; ')}` };
  }
  const out = processRecord(record, 'detect', 'request', 'record');
  if (out.observation) return { observation: out.observation };
  return { error: `invalid NVD API 2.0 record: ${out.rejected.map((r) => `${r.where.field ?? r.where.record}: ${r.reason}`).join('; ')}` };
}

function failed(input: number, id: string | null, error: string): AnalyzeResult {
  return { input, id, severity: null, cvss: null, priority: null, ssvc: null, error };
}

/** Analyses each input; bad inputs get an `error` and never sink the others. */
export async function analyze(store: Store, inputs: unknown[], merge: { missionWellbeing: 'low' | 'medium' | 'high' }): Promise<AnalyzeResult[]> {
  const results: AnalyzeResult[] = [];
  for (const [i, input] of inputs.entries()) {
    if (typeof input === 'string') {
      if (!CVE_ID.test(input)) {
        results.push(failed(i, null, `"${input.slice(0, 40)}" is not a CVE id (CVE-YYYY-NNNN)`));
        continue;
      }
      const stored = await store.getVulnerability(input);
      if (!stored) {
        results.push(failed(i, input, `${input} is not in the store: send the record itself`));
        continue;
      }
      const v = buildView(stored, merge);
      results.push({ input: i, id: v.id, severity: v.severity, cvss: pick(v.primaryCvss), priority: v.priority, ssvc: v.ssvc, error: null });
      continue;
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      results.push(failed(i, null, 'expected a CVE id or a CVE 5 / NVD API 2.0 record object'));
      continue;
    }
    const read = observationOf(input as Record<string, unknown>);
    if ('error' in read) {
      results.push(failed(i, null, read.error));
      continue;
    }
    const stored = await store.getVulnerability(read.observation.cveId);
    const others = (stored?.observations ?? []).filter((o) => o.source !== read.observation.source);
    const v = mergeVulnerability([...others, read.observation], merge).vulnerability;
    const kev = stored?.kev ?? null;
    const priority = computePriority({
      rejected: v.state === 'REJECTED',
      kev: kev !== null || Boolean(stored?.kevHint ?? read.observation.kev),
      ransomware: kev?.knownRansomwareCampaignUse === 'Known',
      epss: stored?.epss?.score ?? null,
      cvssScore: v.primaryCvss?.baseScore ?? null,
    });
    results.push({ input: i, id: v.id, severity: v.severity, cvss: pick(v.primaryCvss), priority, ssvc: v.ssvc, error: null });
  }
  return results;
}

function pick(m: ScoredCvss | null): AnalyzeResult['cvss'] {
  return m ? { version: m.version, vector: m.vector, baseScore: m.baseScore, baseSeverity: m.baseSeverity, scorer: m.scorer } : null;
}
