import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  corpusAvailable,
  corpusDirectory,
  corpusMissingReason,
  examplesDirectory,
} from '../support/corpus.ts';
import { runCli } from '../support/run-cli.ts';

interface Report {
  manifests: number;
  issues: { file: string; line: number; rule: string; severity: string }[];
}

/**
 * What the corpus declares that is not rendered yet, in file order: GitHub connection,
 * repository and build settings, mesh strategy, network logs, URL redirect, maintenance,
 * databases, approvals and database grants.
 */
const RENDER_WARNINGS = [
  'render/unsupported default.yaml:8',
  'render/unsupported island-venues-admin-build.yaml:9',
  'render/unsupported island-venues-api-build.yaml:9',
  'render/unsupported island-venues-notifier-build.yaml:9',
  'render/unsupported island-venues-web-build.yaml:9',
  'render/unsupported island-venues-admin.yaml:9',
  'render/unsupported island-venues-api.yaml:9',
  'render/unsupported island-venues-notifier.yaml:9',
  'render/unsupported island-venues-web.yaml:9',
  'render/unsupported development.yaml:11',
  'render/unsupported island-venues.yaml:11',
  'render/unsupported island-venues.yaml:12',
  'render/unsupported main.yaml:18',
  'render/unsupported production.yaml:11',
  'render/unsupported island-venues.yaml:11',
  'render/unsupported island-venues.yaml:12',
  'render/unsupported main.yaml:25',
  'render/unsupported main-track.yaml:15',
  'render/unsupported island-venues-admin.yaml:13',
  'render/unsupported island-venues-api.yaml:13',
  'render/unsupported island-venues-api.yaml:28',
  'render/unsupported island-venues-api.yaml:30',
  'render/unsupported island-venues-notifier.yaml:13',
  'render/unsupported island-venues-web.yaml:13',
];

describe('validate the island-venues corpus', () => {
  it('reads its 49 manifests with no error; the workflow under .github is skipped', async (context) => {
    context.skip(!corpusAvailable, corpusMissingReason);
    const run = await runCli(['validate', corpusDirectory, '--format', 'json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.manifests).toBe(49);
    expect(report.issues.filter((issue) => issue.severity === 'error')).toEqual([]);
    // The corpus opens three routes on purpose, in both environments: the policy says so.
    const located = (rule: string) =>
      report.issues
        .filter((issue) => issue.rule.startsWith(rule))
        .map((issue) => `${issue.rule} ${issue.file.split('/').slice(-1)[0] ?? ''}:${issue.line}`);
    expect(located('render/')).toEqual(RENDER_WARNINGS);
    expect(located('policy/')).toEqual([
      'policy/public-route app.yaml:16',
      'policy/public-route app.yaml:36',
      'policy/public-route app.yaml:44',
      'policy/public-route app.yaml:16',
      'policy/public-route app.yaml:36',
      'policy/public-route app.yaml:44',
    ]);
  });
});

describe('validate', () => {
  let repository: string;

  beforeAll(async () => {
    repository = await mkdtemp(join(tmpdir(), 'infrastream-cli-'));
    await mkdir(join(repository, 'org'), { recursive: true });
    await writeFile(
      join(repository, 'org', 'organization.yaml'),
      [
        'apiVersion: lowops.manifests.v1',
        'kind: Organization',
        'metadata:',
        '  name: acme',
        'spec:',
        '  descripton: Acme',
        '',
      ].join('\n'),
    );
    await writeFile(
      join(repository, 'org', 'unit.yaml'),
      [
        'apiVersion: lowops.manifests.v1',
        'kind: OrganizationalUnit',
        'metadata:',
        '  name: Payments',
        '  organization: acme',
        'spec: {}',
        '',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    await rm(repository, { recursive: true, force: true });
  });

  it('accepts the example organization, warning only of its deliberately public routes and of what is not rendered yet', async () => {
    const run = await runCli(['validate', examplesDirectory, '--format', 'json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.manifests).toBeGreaterThanOrEqual(100);
    expect(new Set(report.issues.map((issue) => `${issue.severity} ${issue.rule}`))).toEqual(
      new Set(['warning policy/public-route', 'warning render/unsupported']),
    );
  });

  it('reports every issue as path:line:col, severity, message and rule, with a code frame', async () => {
    const run = await runCli(['validate', repository]);
    expect(run.code).toBe(1);
    const headers = run.stdout.split('\n').filter((line) => line.startsWith('org/'));
    expect(headers).toEqual([
      'org/organization.yaml:6:3  error  spec.descripton: unknown field (did you mean "description"?); expected one of "description", "displayName", "domain", "defaultRegion", "github", "permissions", "workforceFederation" or "hibernation"  (schema/unknown-field)',
      'org/unit.yaml:4:9  error  metadata.name: expected a lowercase DNS label (a letter, then lowercase letters, digits or hyphens, at most 63), found "Payments"  (schema/name)',
    ]);
    expect(run.stdout).toContain('> 6 |   descripton: Acme');
    expect(run.stdout).toContain('✖ 2 errors in 2 files');
    expect(run.stdout).not.toContain('\x1b[');
  });

  it('prints JSON with the documented keys', async () => {
    const run = await runCli(['validate', repository, '--format', 'json']);
    const report = JSON.parse(run.stdout) as {
      manifests: number;
      issues: Record<string, unknown>[];
    };
    expect(report.manifests).toBe(2);
    expect(report.issues[0]).toEqual({
      file: 'org/organization.yaml',
      line: 6,
      column: 3,
      pointer: '/spec/descripton',
      rule: 'schema/unknown-field',
      severity: 'error',
      message: expect.stringContaining('did you mean "description"') as unknown,
    });
  });

  it('prints SARIF 2.1.0 and GitHub annotations', async () => {
    const sarif = await runCli(['validate', repository, '--format', 'sarif']);
    const log = JSON.parse(sarif.stdout) as { version: string; runs: { results: unknown[] }[] };
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0]?.results).toHaveLength(2);
    const github = await runCli(['validate', repository, '--format', 'github']);
    expect(github.stdout.split('\n')[0]).toMatch(
      /^::error file=org\/organization\.yaml,line=6,col=3,.*title=schema\/unknown-field::/,
    );
    expect(github.code).toBe(1);
  });

  it('exits 2 on usage errors', async () => {
    const badFormat = await runCli(['validate', repository, '--format', 'xml']);
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toContain('--format must be one of text, json, sarif, github');
    const unknownOption = await runCli(['validate', '--strict']);
    expect(unknownOption.code).toBe(2);
    const unknownCommand = await runCli(['valdate']);
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toContain('did you mean "validate"?');
  });
});
