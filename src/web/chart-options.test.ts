/**
 * The dashboard's chart options (web/src/charts/options.ts), pure functions of API data: the
 * severity chart names every severity in full, on a phone too (it cut "UNKNOWN" to "UNKNO…").
 */
import { describe, expect, it } from 'vitest';
import { severityOption } from '../../web/src/charts/options.ts';

describe('severity chart', () => {
  const option = severityOption({ UNKNOWN: 40, CRITICAL: 12, MEDIUM: 7, HIGH: 30, LOW: 2, NONE: 1 });
  const axis = option.xAxis as { data: string[]; axisLabel: { overflow?: string; width?: number; formatter?: (v: string) => string } };

  it('lists severities in order, each label whole (never truncated)', () => {
    const labels = axis.data.map((d) => axis.axisLabel.formatter?.(d) ?? d);
    expect(labels).toEqual(['Critical', 'High', 'Medium', 'Low', 'None', 'Unknown']);
    expect(axis.axisLabel.overflow).not.toBe('truncate');
    expect(axis.axisLabel.width).toBeUndefined();
  });
});
