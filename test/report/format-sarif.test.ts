import type { Log, Result } from 'sarif';
import { describe, expect, it } from 'vitest';
import type { Issue } from '../../shared/core/issues/issue.ts';
import { rules } from '../../shared/core/issues/rules.ts';
import { fingerprintKey, formatSarif } from '../../shared/core/report/format-sarif.ts';
import type { ValidationReport } from '../../shared/core/report/validation-report.ts';

const duplicate: Issue = {
  file: 'projects/web.yaml',
  line: 4,
  column: 9,
  endLine: 4,
  endColumn: 12,
  pointer: '/metadata/name',
  rule: 'identity/duplicate',
  severity: 'error',
  message: 'Project "web" is declared twice.',
  related: [{ file: 'projects/web-copy.yaml', line: 4, column: 9, message: 'first declared here' }],
};
const point: Issue = {
  file: 'a b/café:1.yaml',
  line: 2,
  column: 5,
  pointer: '/spec',
  rule: 'schema/unknown-field',
  severity: 'warning',
  message: 'Unknown field "spekc".',
};
const multiLine: Issue = {
  file: 'projects/web.yaml',
  line: 6,
  column: 3,
  endLine: 8,
  endColumn: 1,
  pointer: '/spec',
  rule: 'schema/unknown-field',
  severity: 'error',
  message: 'Unknown field "x".',
};
const empty: Issue = { ...duplicate, line: 9, endLine: 9, column: 4, endColumn: 4, related: [] };

function sarif(issues: readonly Issue[], informationUri?: string): Log {
  const report: ValidationReport = { manifests: 3, files: 3, issues, sources: new Map() };
  const options =
    informationUri === undefined
      ? { toolVersion: '1.2.3' }
      : { toolVersion: '1.2.3', informationUri };
  return JSON.parse(formatSarif(report, options)) as Log;
}

function resultAt(log: Log, index: number): Result {
  const result = log.runs[0]?.results?.[index];
  if (result === undefined) throw new Error(`no result ${index}`);
  return result;
}

describe('formatSarif', () => {
  it('writes a SARIF 2.1.0 log with one run of the infrastream driver', () => {
    const log = sarif([duplicate], 'https://example.com/infrastream');
    expect(log.$schema).toBe('https://json.schemastore.org/sarif-2.1.0.json');
    expect(log.version).toBe('2.1.0');
    expect(log.runs).toHaveLength(1);
    expect(log.runs[0]?.tool.driver).toMatchObject({
      name: 'infrastream',
      version: '1.2.3',
      informationUri: 'https://example.com/infrastream',
    });
    expect(sarif([duplicate]).runs[0]?.tool.driver).not.toHaveProperty('informationUri');
  });

  it('describes only the rules that issues use, and points each result at its rule', () => {
    const log = sarif([multiLine, duplicate, point]);
    const descriptors = log.runs[0]?.tool.driver.rules ?? [];
    expect(descriptors).toEqual([
      {
        id: 'identity/duplicate',
        shortDescription: { text: rules['identity/duplicate'].summary },
        defaultConfiguration: { level: 'error' },
      },
      {
        id: 'schema/unknown-field',
        shortDescription: { text: rules['schema/unknown-field'].summary },
        defaultConfiguration: { level: 'error' },
      },
    ]);
    const results = log.runs[0]?.results ?? [];
    expect(results.map((result) => result.ruleId)).toEqual([
      'schema/unknown-field',
      'identity/duplicate',
      'schema/unknown-field',
    ]);
    for (const result of results) {
      expect(descriptors[result.ruleIndex ?? -1]?.id).toBe(result.ruleId);
    }
    expect(results.map((result) => result.level)).toEqual(['warning', 'error', 'error']);
  });

  it('locates results relative to the source root, with exclusive end columns', () => {
    const log = sarif([duplicate, point, multiLine, empty]);
    expect(resultAt(log, 1)).toMatchObject({
      message: { text: 'Project "web" is declared twice.' },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: 'projects/web.yaml', uriBaseId: '%SRCROOT%' },
            region: { startLine: 4, startColumn: 9, endLine: 4, endColumn: 12 },
          },
        },
      ],
      partialFingerprints: {
        [fingerprintKey]: 'identity/duplicate|projects/web.yaml|/metadata/name',
      },
    });
    const region = (index: number) => resultAt(log, index).locations?.[0]?.physicalLocation?.region;
    // A point is one column wide, as is an empty range.
    expect(region(0)).toEqual({ startLine: 2, startColumn: 5, endLine: 2, endColumn: 6 });
    expect(region(3)).toEqual({ startLine: 9, startColumn: 4, endLine: 9, endColumn: 5 });
    expect(region(2)).toEqual({ startLine: 6, startColumn: 3, endLine: 8, endColumn: 1 });
    expect(resultAt(log, 0).locations?.[0]?.physicalLocation?.artifactLocation?.uri).toBe(
      'a%20b/caf%C3%A9%3A1.yaml',
    );
    expect(log.runs[0]?.columnKind).toBe('utf16CodeUnits');
  });

  it('turns related locations into SARIF related locations', () => {
    const log = sarif([duplicate, point, empty]);
    expect(resultAt(log, 1).relatedLocations).toEqual([
      {
        id: 0,
        physicalLocation: {
          artifactLocation: { uri: 'projects/web-copy.yaml', uriBaseId: '%SRCROOT%' },
          region: { startLine: 4, startColumn: 9 },
        },
        message: { text: 'first declared here' },
      },
    ]);
    expect(resultAt(log, 0)).not.toHaveProperty('relatedLocations');
    expect(resultAt(log, 2)).not.toHaveProperty('relatedLocations');
  });

  it('writes an empty run with no rules when there are no issues', () => {
    const log = sarif([]);
    expect(log.runs[0]?.tool.driver.rules).toEqual([]);
    expect(log.runs[0]?.results).toEqual([]);
  });
});
