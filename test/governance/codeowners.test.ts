import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRepositoryFiles } from '../../shared/adapters/local-repository-files.ts';
import { analyzeRepository } from '../../shared/core/governance/analyze-repository.ts';
import { computeCodeowners, escapePath } from '../../shared/core/governance/codeowners.ts';
import { corpusAvailable, corpusDirectory, corpusMissingReason } from '../support/corpus.ts';
import { editedOrganization } from '../support/base-organization.ts';

describe('CODEOWNERS', () => {
  it('reproduces the corpus file except the four HttpRoute lines and the drift acknowledgements its platform leaves out', async (context) => {
    context.skip(!corpusAvailable, corpusMissingReason);
    const analysis = analyzeRepository(readRepositoryFiles(corpusDirectory, 1000));
    const expected = await readFile(join(corpusDirectory, '.github', 'CODEOWNERS'), 'utf8');
    const computed = analysis.codeowners.text.split('\n');
    const acknowledgements = '/drift-acknowledgements.yaml @a-manraj-infrastream/venue-admins';
    expect(computed.at(-1)).toBe(acknowledgements);
    const withoutRoutes = computed.filter(
      (line) => !line.includes('/http-route/') && line !== acknowledgements,
    );
    expect(withoutRoutes.join('\n')).toBe(expected);
    expect(computed.filter((line) => line.includes('/http-route/'))).toEqual(
      ['development', 'production'].flatMap((environment) =>
        ['app', 'staff'].map(
          (route) =>
            `organization/island-venues/organizational-unit/island-venues/environment/${environment}/project/island-venues/public-ingress/http-route/${route}.yaml @a-manraj-infrastream/developers @a-manraj-infrastream/venue-admins`,
        ),
      ),
    );
    expect(analysis.codeowners.issues).toEqual([]);
  });

  it('owns each file by its and its ancestors’ administrators and contributors, not viewers', () => {
    const analysis = analyzeRepository(
      editedOrganization({
        file: 'payments/production/shop/secret.yaml',
        append:
          '  permissions:\n    contributors:\n      members:\n        - alice\n    viewers:\n      groups:\n        - readers\n',
      }),
    );
    const line = analysis.codeowners.lines.find(
      (entry) => entry.file === 'payments/production/shop/secret.yaml',
    );
    expect(line?.owners).toEqual(['@acme-corp/platform', '@alice-acme']);
    expect(analysis.codeowners.text.split('\n')[0]).toBe('* @acme-corp/platform');
    expect(analysis.codeowners.text.endsWith('\n')).toBe(false);
  });

  it('leaves out a member without a GitHub account, with a warning on the user', () => {
    const analysis = analyzeRepository(
      editedOrganization(
        {
          file: 'users/alice.yaml',
          replace:
            '  externalAccounts:\n    - sourceType: GITHUB\n      sourceName: default\n      username: alice-acme\n',
          with: '',
        },
        {
          file: 'organization.yaml',
          replace: '        - platform',
          with: '        - platform\n      members:\n        - alice',
        },
      ),
    );
    expect(
      analysis.issues
        .filter((issue) => issue.rule.startsWith('codeowners/'))
        .map(
          (issue) => `${issue.severity} ${issue.rule} ${issue.file}:${issue.line}:${issue.column}`,
        ),
    ).toEqual(['warning codeowners/member-without-github users/alice.yaml:6:1']);
    expect(analysis.codeowners.text.split('\n')[0]).toBe('* @acme-corp/platform');
  });

  it('refuses a CODEOWNERS over the size limit', () => {
    const analysis = analyzeRepository(editedOrganization());
    const codeowners = computeCodeowners(analysis.state, 100);
    expect(codeowners.issues.map((issue) => `${issue.rule} ${issue.file}`)).toEqual([
      'codeowners/too-large organization.yaml',
    ]);
  });

  it.each([
    ['a b/c.yaml', 'a\\ b/c.yaml'],
    ['#team/x.yaml', '\\#team/x.yaml'],
    ['!important/x.yaml', '\\!important/x.yaml'],
    ['dir/[draft].yaml', 'dir/\\[draft\\].yaml'],
    ['dir/what?.yaml', 'dir/what\\?.yaml'],
    ['dir/star*.yaml', 'dir/star\\*.yaml'],
    ['root.yaml', '/root.yaml'],
  ])('escapes %s as %s', (path, pattern) => {
    expect(escapePath(path)).toBe(pattern);
  });

  it('cannot write a path with a line break', () => {
    expect(escapePath('a\nb.yaml')).toBeUndefined();
  });
});
