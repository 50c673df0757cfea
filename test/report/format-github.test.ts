import { describe, expect, it } from 'vitest';
import type { Issue } from '../../shared/core/issues/issue.ts';
import { formatGithub } from '../../shared/core/report/format-github.ts';

const base: Issue = {
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

function github(issues: readonly Issue[], manifests = 2): string {
  return formatGithub({ manifests, files: manifests, issues, sources: new Map() });
}

describe('formatGithub', () => {
  it('writes one command per issue, with an inclusive end column', () => {
    const warning: Issue = { ...base, file: 'a.yaml', severity: 'warning', rule: 'yaml/tag' };
    expect(github([base, warning])).toBe(
      [
        '::warning file=a.yaml,line=4,col=9,endLine=4,endColumn=11,title=yaml/tag::Name "Web" must be a lowercase DNS label.',
        '::error file=projects/web.yaml,line=4,col=9,endLine=4,endColumn=11,title=schema/name::Name "Web" must be a lowercase DNS label.',
        '',
      ].join('\n'),
    );
  });

  it('escapes % and line breaks in messages, and also : and , in properties', () => {
    const issue: Issue = {
      ...base,
      file: 'dir:a,b%/x.yaml',
      message: '100% wrong:\r\nsee, here',
    };
    expect(github([issue])).toBe(
      '::error file=dir%3Aa%2Cb%25/x.yaml,line=4,col=9,endLine=4,endColumn=11,title=schema/name::100%25 wrong:%0D%0Asee, here\n',
    );
  });

  it('cannot be tricked into a second command by a message', () => {
    const issue: Issue = { ...base, message: 'x\n::add-mask::secret' };
    const out = github([issue]);
    expect(out.split('\n')).toHaveLength(2);
    expect(out).toContain('::x%0A::add-mask::secret\n');
  });

  it('leaves out columns for a range over several lines and widens empty ranges', () => {
    const multi: Issue = { ...base, endLine: 7, endColumn: 2 };
    const point: Issue = {
      file: base.file,
      line: 5,
      column: 9,
      pointer: base.pointer,
      rule: base.rule,
      severity: base.severity,
      message: base.message,
    };
    const empty: Issue = { ...base, line: 6, endLine: 6, endColumn: 9 };
    expect(github([multi, point, empty]).split('\n').slice(0, 3)).toEqual([
      `::error file=projects/web.yaml,line=4,endLine=7,title=schema/name::${base.message}`,
      `::error file=projects/web.yaml,line=5,col=9,endLine=5,endColumn=9,title=schema/name::${base.message}`,
      `::error file=projects/web.yaml,line=6,col=9,endLine=6,endColumn=9,title=schema/name::${base.message}`,
    ]);
  });

  it('adds related locations as lines of the message', () => {
    const issue: Issue = {
      ...base,
      related: [{ file: 'b.yaml', line: 2, column: 3, message: 'first declared here' }],
    };
    expect(github([issue])).toContain(`::${base.message}%0Ab.yaml:2:3: first declared here\n`);
  });

  it('writes a single notice when there are no issues', () => {
    expect(github([], 49)).toBe('::notice title=infrastream::49 manifests checked, no issues\n');
    expect(github([], 1)).toBe('::notice title=infrastream::1 manifest checked, no issues\n');
    expect(github([base])).not.toContain('::notice');
  });
});
