/** Severity from text trained on NVD CVSS v3 severities (issue 14). STUB: owned by the techniques/severity helper. */
import type { AnalyzerContext } from '../context.ts';
import type { ModelDefinition, SeverityModel } from '../types.ts';

export const severityModels: ModelDefinition[] = [];

/** The model, or null when not trained. */
export async function loadSeverityModel(_ctx: AnalyzerContext): Promise<SeverityModel | null> {
  return null;
}
