import { describe, expect, it } from 'vitest';
import type { Issue } from '../../shared/core/issues/issue.ts';
import { formatJson } from '../../shared/core/report/format-json.ts';

const issue: Issue = {
  file: 'projects/web.yaml',
  line: 4,
  column: 9,
  endLine: 4,
  endColumn: 12,
  pointer: '/metadata/name',
  rule: 'schema/name',
  severity: 'error',
  message: 'Name "Web" must be a lowercase DNS label.',
  related: [{ file: 'a.yaml', line: 1, column: 1, message: 'elsewhere' }],
};
const earlier: Issue = {
  severity: 'warning',
  message: 'Duplicate key "name".',
  rule: 'yaml/duplicate-key',
  pointer: '/metadata',
  line: 2,
  column: 3,
  file: 'environments/prod.yaml',
};

describe('formatJson', () => {
  it('writes the manifests count and sorted issues with exactly seven keys in order', () => {
    const text = formatJson({
      manifests: 49,
      files: 50,
      issues: [issue, earlier],
      sources: new Map(),
    });
    expect(text).toBe(
      `${JSON.stringify(
        {
          manifests: 49,
          issues: [
            {
              file: 'environments/prod.yaml',
              line: 2,
              column: 3,
              pointer: '/metadata',
              rule: 'yaml/duplicate-key',
              severity: 'warning',
              message: 'Duplicate key "name".',
            },
            {
              file: 'projects/web.yaml',
              line: 4,
              column: 9,
              pointer: '/metadata/name',
              rule: 'schema/name',
              severity: 'error',
              message: 'Name "Web" must be a lowercase DNS label.',
            },
          ],
        },
        null,
        2,
      )}\n`,
    );
    const parsed = JSON.parse(text) as { issues: Record<string, unknown>[] };
    expect(Object.keys(parsed)).toEqual(['manifests', 'issues']);
    for (const entry of parsed.issues) {
      expect(Object.keys(entry)).toEqual([
        'file',
        'line',
        'column',
        'pointer',
        'rule',
        'severity',
        'message',
      ]);
    }
    expect(text).toContain('\n  "issues": [\n    {\n      "file": "environments/prod.yaml",');
  });

  it('writes an empty list when there are no issues', () => {
    expect(formatJson({ manifests: 0, files: 0, issues: [], sources: new Map() })).toBe(
      '{\n  "manifests": 0,\n  "issues": []\n}\n',
    );
  });
});
