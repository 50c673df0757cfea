import type { Log } from 'sarif';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadSarif } from '../../shared/adapters/github-sarif-upload.ts';
import type { DriftFinding } from '../../shared/core/drift/drift-finding.ts';
import { DRIFT_SARIF_CATEGORY, formatDriftSarif } from '../../shared/core/drift/drift-sarif.ts';
import { fingerprintKey } from '../../shared/core/report/format-sarif.ts';
import { createGitHubFixture, type GitHubFixture } from '../support/github-fixture.ts';

const publicBucket: DriftFinding = {
  fingerprint: 'f1',
  source: 'terraform',
  workspace: 'payments',
  address: 'google_storage_bucket.invoices',
  attribute: 'public_access_prevention',
  severity: 'critical',
  summary: 'Bucket invoices allows public access',
  before: 'enforced',
  after: 'inherited',
  manifest: { file: 'units/payments/café invoices.yaml', line: 7, column: 5 },
  firstSeen: '2026-12-03T10:00:00.000Z',
  lastSeen: '2026-12-03T11:00:00.000Z',
};
const label: DriftFinding = {
  ...publicBucket,
  fingerprint: 'f2',
  attribute: 'labels.team',
  severity: 'low',
  summary: 'A label changed',
  acknowledged: { reason: 'relabelling in progress', expires: '2026-12-31' },
};
const unprotected: DriftFinding = {
  fingerprint: 'f3',
  source: 'github',
  attribute: 'branches/main/protection',
  severity: 'critical',
  summary: 'Branch main is not protected',
  before: 'protected',
  after: null,
  firstSeen: '2026-12-03T10:00:00.000Z',
  lastSeen: '2026-12-03T11:00:00.000Z',
};

const options = { toolVersion: '1.2.3', unlocatedFile: 'org/organization.yaml' };
const log = (findings: readonly DriftFinding[]) =>
  JSON.parse(formatDriftSarif(findings, options)) as Log;

describe('formatDriftSarif', () => {
  it('writes one SARIF 2.1.0 run of the infrastream driver in the drift category', () => {
    const sarif = log([label, publicBucket, unprotected]);
    expect(sarif.$schema).toBe('https://json.schemastore.org/sarif-2.1.0.json');
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs).toHaveLength(1);
    const run = sarif.runs[0];
    expect(run?.tool.driver.name).toBe('infrastream');
    expect(run?.automationDetails).toEqual({ id: DRIFT_SARIF_CATEGORY });
    expect(run?.tool.driver.rules?.map((rule) => rule.id)).toEqual([
      'drift/github/critical',
      'drift/terraform/critical',
      'drift/terraform/low',
    ]);
    expect(run?.tool.driver.rules?.[0]).toMatchObject({
      defaultConfiguration: { level: 'error' },
      properties: { 'security-severity': '9.5' },
    });
    // Each result points at its rule by id and by index, as SARIF requires.
    for (const result of run?.results ?? []) {
      expect(run?.tool.driver.rules?.[result.ruleIndex ?? -1]?.id).toBe(result.ruleId);
    }
  });

  it('puts each finding on its manifest line, keyed by its fingerprint, most severe first', () => {
    const results = log([label, publicBucket, unprotected]).runs[0]?.results ?? [];
    expect(results.map((result) => result.partialFingerprints?.[fingerprintKey])).toEqual([
      'f1',
      'f3',
      'f2',
    ]);
    expect(results[0]?.locations?.[0]?.physicalLocation).toEqual({
      artifactLocation: { uri: 'units/payments/caf%C3%A9%20invoices.yaml', uriBaseId: '%SRCROOT%' },
      region: { startLine: 7, startColumn: 5, endLine: 7, endColumn: 6 },
    });
    expect(results[0]?.message.text).toBe(
      'Bucket invoices allows public access in workspace payments (google_storage_bucket.invoices): ' +
        'public_access_prevention was "enforced", is "inherited"',
    );
    expect(results[0]?.level).toBe('error');
  });

  it('shows a finding no manifest declares on the first line of the organization manifest', () => {
    const [, github] = log([publicBucket, unprotected]).runs[0]?.results ?? [];
    expect(github?.locations?.[0]?.physicalLocation?.artifactLocation?.uri).toBe(
      'org/organization.yaml',
    );
    expect(github?.locations?.[0]?.physicalLocation?.region?.startLine).toBe(1);
  });

  it('suppresses acknowledged findings with their reason', () => {
    const results = log([label, publicBucket]).runs[0]?.results ?? [];
    expect(results[0]?.suppressions).toBeUndefined();
    expect(results[1]?.level).toBe('note');
    expect(results[1]?.suppressions).toEqual([
      { kind: 'external', justification: 'relabelling in progress (until 2026-12-31)' },
    ]);
  });

  it('writes an empty run when nothing drifted, so an upload clears the alerts', () => {
    const run = log([]).runs[0];
    expect(run?.results).toEqual([]);
    expect(run?.automationDetails?.id).toBe(DRIFT_SARIF_CATEGORY);
  });
});

describe('uploadSarif', () => {
  let fixture: GitHubFixture;
  beforeAll(async () => {
    fixture = await createGitHubFixture();
  });
  afterAll(async () => {
    await fixture.dispose();
  });

  it('sends the log gzipped and base64-encoded for the commit and ref', async () => {
    const sarif = formatDriftSarif([publicBucket, unprotected], options);
    const commit = 'c'.repeat(40);
    const receipt = await uploadSarif(fixture.octokit, {
      repository: fixture.repository,
      commit,
      ref: 'refs/heads/main',
      sarif,
    });
    expect(receipt.id).toBe('sarif-1');
    const [received] = fixture.github.settings.sarifs;
    expect(received?.commit_sha).toBe(commit);
    expect(received?.ref).toBe('refs/heads/main');
    expect(received?.log).toEqual(JSON.parse(sarif));
  });

  it('refuses a commit or ref GitHub would refuse, before sending', async () => {
    const upload = {
      repository: fixture.repository,
      commit: 'c'.repeat(40),
      ref: 'main',
      sarif: '{}',
    };
    await expect(uploadSarif(fixture.octokit, upload)).rejects.toThrow('expected a full ref');
    await expect(
      uploadSarif(fixture.octokit, { ...upload, ref: 'refs/heads/main', commit: 'HEAD' }),
    ).rejects.toThrow('expected the commit as a 40-hex id');
  });

  it('says what failed when code scanning refuses the upload', async () => {
    fixture.github.answerInstead = (request) =>
      request.path.endsWith('/code-scanning/sarifs')
        ? {
            status: 403,
            body: { message: 'Advanced Security must be enabled for this repository' },
          }
        : undefined;
    await expect(
      uploadSarif(fixture.octokit, {
        repository: fixture.repository,
        commit: 'c'.repeat(40),
        ref: 'refs/heads/main',
        sarif: formatDriftSarif([], options),
      }),
    ).rejects.toThrow(/uploading SARIF to acme\/platform.*Advanced Security must be enabled/);
    fixture.github.answerInstead = undefined;
  });
});
