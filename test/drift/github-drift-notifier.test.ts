import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubDriftNotifier } from '../../shared/adapters/github-drift-notifier.ts';
import type { DriftFinding } from '../../shared/core/drift/drift-finding.ts';
import { DRIFT_LABEL, parseDriftMarker } from '../../shared/core/drift/drift-issue.ts';
import type { DriftNotice } from '../../shared/ports/drift-notifier.ts';
import { createGitHubFixture, type GitHubFixture } from '../support/github-fixture.ts';

let fixture: GitHubFixture;
beforeAll(async () => {
  fixture = await createGitHubFixture();
});
afterAll(async () => {
  await fixture.dispose();
});
beforeEach(() => {
  fixture.github.issues.issues.length = 0;
  fixture.github.requests.length = 0;
});

const commit = 'a'.repeat(40);
const laterCommit = 'b'.repeat(40);

const publicBucket: DriftFinding = {
  fingerprint: '1111111111111111',
  source: 'terraform',
  workspace: 'payments',
  address: 'google_storage_bucket.invoices',
  attribute: 'public_access_prevention',
  severity: 'critical',
  summary: 'Bucket invoices allows public access',
  before: 'enforced',
  after: 'inherited',
  manifest: { file: 'units/payments/invoices.yaml', line: 7, column: 5 },
  firstSeen: '2026-12-03T10:00:00.000Z',
  lastSeen: '2026-12-03T10:00:00.000Z',
};
const ownerGrant: DriftFinding = {
  fingerprint: '2222222222222222',
  source: 'iam',
  workspace: 'payments',
  asset: '//cloudresourcemanager.googleapis.com/projects/payments-prod',
  attribute: 'roles/owner user:mallory@example.com',
  severity: 'critical',
  summary: 'Unmanaged owner grant',
  before: null,
  after: 'user:mallory@example.com',
  firstSeen: '2026-12-03T10:00:00.000Z',
  lastSeen: '2026-12-03T10:00:00.000Z',
};
const labelChange: DriftFinding = {
  ...publicBucket,
  fingerprint: '3333333333333333',
  attribute: 'labels.team',
  severity: 'low',
  summary: 'A label changed',
  before: 'payments',
  after: 'pay`ments',
};
const webFinding: DriftFinding = {
  ...publicBucket,
  fingerprint: '4444444444444444',
  workspace: 'web',
  manifest: { file: 'units/web/site.yaml', line: 3, column: 1 },
};
const unprotected: DriftFinding = {
  fingerprint: '5555555555555555',
  source: 'github',
  attribute: 'branches/main/protection',
  severity: 'critical',
  summary: 'Branch main is not protected',
  before: 'protected',
  after: null,
  firstSeen: '2026-12-03T10:00:00.000Z',
  lastSeen: '2026-12-03T10:00:00.000Z',
};

const notifier = () => createGitHubDriftNotifier({ octokit: fixture.octokit, writeIntervalMs: 0 });

function notice(
  findings: readonly DriftFinding[],
  overrides: Partial<DriftNotice> = {},
): DriftNotice {
  return { repository: fixture.repository, commit, findings, ...overrides };
}

const writes = () =>
  fixture.github.requests.filter(
    (request) => request.method !== 'GET' && !request.path.startsWith('/app/'),
  );

const issueOf = (workspace: string | null) =>
  fixture.github.issues.issues.filter(
    (issue) => parseDriftMarker(issue.body)?.workspace === workspace,
  );

describe('the GitHub drift notifier', () => {
  it('creates one labelled issue per workspace on first sight, with a marker and the findings', async () => {
    const outcome = await notifier().notify(
      notice([publicBucket, webFinding, labelChange, unprotected]),
    );
    expect(outcome).toEqual({
      created: [null, 'payments', 'web'],
      edited: [],
      reopened: [],
      closed: [],
    });
    const [payments] = issueOf('payments');
    expect(payments?.title).toBe('Drift: workspace payments');
    expect(payments?.labels).toEqual([DRIFT_LABEL]);
    const body = payments?.body ?? '';
    expect(body).toMatch(/^<!-- infrastream-drift:workspace=payments digest=[0-9a-f]{64} -->/);
    expect(body).toContain(
      `[units/payments/invoices.yaml:7](https://github.com/acme/platform/blob/${commit}/units/payments/invoices.yaml#L7)`,
    );
    expect(body).toContain('`public_access_prevention`: `"enforced"` → `"inherited"`');
    expect(body).toContain('`` "pay`ments" ``');
    expect(body).toContain('fingerprint `1111111111111111`');
    expect(body.indexOf('## critical (1)')).toBeLessThan(body.indexOf('## low (1)'));
    expect(issueOf(null)[0]?.title).toBe('Drift: repository governance');
  });

  it('writes nothing when told the same findings again, even at a later commit and time', async () => {
    await notifier().notify(notice([publicBucket, webFinding]));
    fixture.github.requests.length = 0;
    const later = { ...publicBucket, lastSeen: '2026-12-03T11:00:00.000Z' };
    const outcome = await notifier().notify(notice([later, webFinding], { commit: laterCommit }));
    expect(outcome).toEqual({ created: [], edited: [], reopened: [], closed: [] });
    expect(writes()).toEqual([]);
    expect(fixture.github.issues.issues).toHaveLength(2);
  });

  it('edits only the issue whose findings changed', async () => {
    await notifier().notify(notice([publicBucket, webFinding]));
    fixture.github.requests.length = 0;
    const outcome = await notifier().notify(notice([publicBucket, ownerGrant, webFinding]));
    expect(outcome.edited).toEqual(['payments']);
    expect(writes().map((request) => `${request.method} ${request.path}`)).toEqual([
      `PATCH /repos/acme/platform/issues/${issueOf('payments')[0]?.number}`,
    ]);
    expect(issueOf('payments')[0]?.body).toContain('Unmanaged owner grant');
  });

  it('closes an issue with a comment when its findings resolve, and reopens it when drift returns', async () => {
    await notifier().notify(notice([publicBucket, webFinding]));
    const closing = await notifier().notify(notice([webFinding]));
    expect(closing.closed).toEqual(['payments']);
    const [payments] = issueOf('payments');
    expect(payments?.state).toBe('closed');
    expect(payments?.comments).toEqual([`No drift remains in workspace payments as of ${commit}.`]);

    fixture.github.requests.length = 0;
    expect(await notifier().notify(notice([webFinding]))).toEqual({
      created: [],
      edited: [],
      reopened: [],
      closed: [],
    });
    expect(writes()).toEqual([]);

    const reopening = await notifier().notify(notice([ownerGrant, webFinding]));
    expect(reopening.reopened).toEqual(['payments']);
    expect(issueOf('payments')).toHaveLength(1);
    expect(issueOf('payments')[0]?.state).toBe('open');
    expect(issueOf('payments')[0]?.body).toContain('Unmanaged owner grant');
  });

  it('lists acknowledged findings apart, and closes an issue left with acknowledged ones only', async () => {
    const acknowledged: DriftFinding = {
      ...ownerGrant,
      acknowledged: { reason: 'break-glass access during the incident', expires: '2026-12-31' },
    };
    await notifier().notify(notice([publicBucket, acknowledged]));
    const body = issueOf('payments')[0]?.body ?? '';
    expect(body).toContain('1 open finding(s), 1 acknowledged');
    expect(body.indexOf('## Acknowledged (1)')).toBeGreaterThan(body.indexOf('Bucket invoices'));
    expect(body).toContain('acknowledged until 2026-12-31: break-glass access during the incident');

    const outcome = await notifier().notify(notice([acknowledged]));
    expect(outcome.closed).toEqual(['payments']);
    expect(issueOf('payments')[0]?.comments).toEqual([
      'The drift that remains in workspace payments is acknowledged in the repository.',
    ]);
    expect((await notifier().notify(notice([acknowledged]))).created).toEqual([]);
  });

  it('never makes a second issue when a sweep is delivered again', async () => {
    await notifier().notify(notice([publicBucket]));
    await notifier().notify(notice([publicBucket]));
    await notifier().notify(notice([publicBucket]));
    expect(fixture.github.issues.issues).toHaveLength(1);
  });

  it('finds its issue by marker and label, not by title, across pages, among pull requests', async () => {
    for (let index = 0; index < 150; index += 1) {
      fixture.github.issues.add({
        title: 'Drift: workspace payments',
        body: 'someone else’s issue',
        state: 'open',
        state_reason: null,
        labels: [DRIFT_LABEL],
        ...(index % 10 === 0 ? { pull_request: { url: 'https://example.com' } } : {}),
      });
    }
    await notifier().notify(notice([publicBucket]));
    const ours = issueOf('payments')[0];
    expect(ours?.number).toBe(151);
    // The created issue is listed first (newest first): move it to the second page.
    for (let index = 0; index < 120; index += 1) {
      fixture.github.issues.add({
        title: 'unrelated',
        body: null,
        state: 'closed',
        state_reason: 'completed',
        labels: [DRIFT_LABEL],
      });
    }
    fixture.github.requests.length = 0;
    await notifier().notify(notice([publicBucket, ownerGrant]));
    expect(fixture.github.issues.issues).toHaveLength(271);
    expect(writes().map((request) => request.path)).toEqual(['/repos/acme/platform/issues/151']);
    const listings = fixture.github.requests.filter((request) => request.path.endsWith('/issues'));
    expect(listings.map((request) => request.query.labels)).toEqual([
      DRIFT_LABEL,
      DRIFT_LABEL,
      DRIFT_LABEL,
    ]);
  });

  it('leaves the issues of workspaces a partial sweep did not read', async () => {
    await notifier().notify(notice([publicBucket, webFinding]));
    const outcome = await notifier().notify(notice([], { scope: ['web'] }));
    expect(outcome.closed).toEqual(['web']);
    expect(issueOf('payments')[0]?.state).toBe('open');
  });

  it('fails, saying why, when GitHub drops the label it finds issues by', async () => {
    fixture.github.issues.dropLabels = true;
    try {
      await expect(notifier().notify(notice([publicBucket]))).rejects.toThrow(
        'GitHub dropped the infrastream-drift label of issue #1; the App needs push access',
      );
    } finally {
      fixture.github.issues.dropLabels = false;
    }
  });

  it('refuses a commit that is no object id before any request', async () => {
    await expect(notifier().notify(notice([publicBucket], { commit: 'main' }))).rejects.toThrow(
      'expected the commit as a 40-hex id, found "main"',
    );
    expect(fixture.github.requests.filter((request) => !request.path.startsWith('/app/'))).toEqual(
      [],
    );
  });
});
