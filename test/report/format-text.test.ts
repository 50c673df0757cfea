import { describe, expect, it } from 'vitest';
import type { Issue } from '../../shared/core/issues/issue.ts';
import { formatText } from '../../shared/core/report/format-text.ts';
import { summarize, type ValidationReport } from '../../shared/core/report/validation-report.ts';

const project = [
  'apiVersion: lowops.manifests.v1',
  'kind: Project',
  'metadata:',
  '  name: Web',
  '  organization: acme',
  'spec: {}',
  '',
].join('\n');
const environment = ['apiVersion: lowops.manifests.v1', 'kind: Environment', 'spekc: {}', ''].join(
  '\n',
);

const nameIssue: Issue = {
  file: 'projects/web.yaml',
  line: 4,
  column: 9,
  endLine: 4,
  endColumn: 12,
  pointer: '/metadata/name',
  rule: 'schema/name',
  severity: 'error',
  message: 'Name "Web" must be a lowercase DNS label.',
};
const fieldIssue: Issue = {
  file: 'environments/prod.yaml',
  line: 3,
  column: 1,
  endLine: 3,
  endColumn: 6,
  pointer: '/spekc',
  rule: 'schema/unknown-field',
  severity: 'warning',
  message: 'Unknown field "spekc" (did you mean "spec"?).',
  related: [{ file: 'projects/web.yaml', line: 6, column: 1, message: 'spec is written here' }],
};

/** Removes `ESC [ n m` sequences, the only ones the formatter writes. */
function stripEscapes(text: string): string {
  const [first = '', ...rest] = text.split('\u001b[');
  return first + rest.map((part) => part.replace(/^\d+m/, '')).join('');
}

function report(issues: readonly Issue[], manifests = 49): ValidationReport {
  return {
    manifests,
    files: manifests,
    issues,
    sources: new Map([
      ['projects/web.yaml', project],
      ['environments/prod.yaml', environment],
    ]),
  };
}

describe('formatText', () => {
  it('lists issues sorted by file with code frames, related locations and a summary', () => {
    expect(formatText(report([nameIssue, fieldIssue]), { color: false })).toBe(
      [
        'environments/prod.yaml:3:1  warning  Unknown field "spekc" (did you mean "spec"?).  (schema/unknown-field)',
        '  1 | apiVersion: lowops.manifests.v1',
        '  2 | kind: Environment',
        '> 3 | spekc: {}',
        '    | ^^^^^',
        '  ↳ projects/web.yaml:6:1  spec is written here',
        '',
        'projects/web.yaml:4:9  error  Name "Web" must be a lowercase DNS label.  (schema/name)',
        '  2 | kind: Project',
        '  3 | metadata:',
        '> 4 |   name: Web',
        '    |         ^^^',
        '  5 |   organization: acme',
        '',
        '✖ 1 error, 1 warning in 2 files (49 manifests checked)',
        '',
      ].join('\n'),
    );
  });

  it('leaves out the frame when the source is unknown', () => {
    const unknown: Issue = { ...nameIssue, file: 'gone.yaml' };
    expect(formatText(report([unknown]), { color: false })).toBe(
      [
        'gone.yaml:4:9  error  Name "Web" must be a lowercase DNS label.  (schema/name)',
        '',
        '✖ 1 error in 1 file (49 manifests checked)',
        '',
      ].join('\n'),
    );
  });

  it('counts in plural and singular, and marks a report of only warnings', () => {
    const second: Issue = { ...nameIssue, line: 5, column: 3, endColumn: 15 };
    const text = formatText(report([nameIssue, second], 1), { color: false });
    expect(text.endsWith('\n✖ 2 errors in 1 file (1 manifest checked)\n')).toBe(true);
    const warnings = formatText(report([fieldIssue]), { color: false });
    expect(warnings.endsWith('\n⚠ 1 warning in 1 file (49 manifests checked)\n')).toBe(true);
  });

  it('says so when there are no issues', () => {
    expect(formatText(report([]), { color: false })).toBe('✔ 49 manifests, no issues\n');
  });

  it('uses colour escapes only when colour is on', () => {
    const plain = formatText(report([nameIssue, fieldIssue]), { color: false });
    expect(plain).not.toContain('\u001b');
    const coloured = formatText(report([nameIssue, fieldIssue]), { color: true });
    expect(coloured).toContain('\u001b[31merror\u001b[39m');
    expect(coloured).toContain('\u001b[33mwarning\u001b[39m');
    expect(coloured).toContain('\u001b[36mprojects/web.yaml:4:9\u001b[39m');
    expect(coloured).toContain('\u001b[2m(schema/name)\u001b[22m');
    // Stripping the escapes gives back exactly the plain report.
    expect(stripEscapes(coloured)).toBe(plain);
    expect(formatText(report([]), { color: true })).toBe(
      '\u001b[32m✔ 49 manifests, no issues\u001b[39m\n',
    );
  });

  it('frames each of 100,000 issues of one file at its own line', () => {
    const count = 100_000;
    const text = Array.from({ length: count }, (_, i) => `- item${i}\n`).join('');
    const issues = Array.from({ length: count }, (_, i): Issue => ({
      ...nameIssue,
      file: 'list.yaml',
      line: i + 1,
      column: 3,
      endLine: i + 1,
      endColumn: 8,
    }));
    const output = formatText(
      { manifests: 1, files: 1, issues, sources: new Map([['list.yaml', text]]) },
      { color: false },
    );
    const blocks = output.split('\n\n');
    expect(blocks).toHaveLength(count + 1);
    expect(blocks[count - 1]).toBe(
      [
        `list.yaml:${count}:3  error  Name "Web" must be a lowercase DNS label.  (schema/name)`,
        '   99998 | - item99997',
        '   99999 | - item99998',
        '> 100000 | - item99999',
        '         |   ^^^^^',
      ].join('\n'),
    );
  });

  it('keeps messages from driving the terminal or starting a line with a command', () => {
    const hostile: Issue = { ...nameIssue, message: 'a\u001b[2Jb\n::error::fake' };
    const text = formatText({ ...report([hostile]), sources: new Map() }, { color: false });
    expect(text).toContain('a\uFFFD[2Jb\n    ::error::fake');
    expect(text.split('\n').some((line) => line.startsWith('::'))).toBe(false);
  });
});

describe('summarize', () => {
  it('counts errors, warnings and the files they are in', () => {
    const again: Issue = { ...nameIssue, line: 5 };
    expect(summarize(report([nameIssue, fieldIssue, again]))).toEqual({
      errors: 2,
      warnings: 1,
      filesWithIssues: 2,
    });
    expect(summarize(report([]))).toEqual({ errors: 0, warnings: 0, filesWithIssues: 0 });
  });
});
