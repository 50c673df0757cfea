import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubDriftPublisher } from '../../shared/adapters/github-drift-publisher.ts';
import { SqliteDocumentStore } from '../../shared/adapters/sqlite-document-store.ts';
import type { DriftObservation } from '../../shared/core/drift/drift-finding.ts';
import { parseDriftMarker } from '../../shared/core/drift/drift-issue.ts';
import { runDriftSweep } from '../../shared/pipeline/drift-sweep.ts';
import { repositoryPaths } from '../../shared/pipeline/state-documents.ts';
import type { DocumentStore, DocumentWrite } from '../../shared/ports/document-store.ts';
import type { DriftPublisher } from '../../shared/ports/drift-publisher.ts';
import type { DriftReading } from '../../shared/ports/drift-reader.ts';
import { createGitHubFixture, type GitHubFixture } from '../support/github-fixture.ts';

const commit = 'c'.repeat(40);

const ownerGrant: DriftObservation = {
  source: 'terraform',
  workspace: 'payments',
  address: 'module.project.google_project_iam_member.extra',
  attribute: 'role',
  severity: 'critical',
  summary: 'role changed outside Terraform',
  before: 'roles/viewer',
  after: 'roles/owner',
  manifest: { file: 'units/payments/project.yaml', line: 4, column: 3 },
};
const webBucket: DriftObservation = {
  ...ownerGrant,
  workspace: 'web',
  address: 'module.bucket.google_storage_bucket.site',
  attribute: 'public_access_prevention',
  summary: 'bucket may be made public',
  before: 'enforced',
  after: 'inherited',
  manifest: { file: 'units/web/site.yaml', line: 7, column: 5 },
};

let fixture: GitHubFixture;
let folder: string;
let store: DocumentStore;
let writes: DocumentWrite[][];
let reading: DriftReading;
let minute: number;
let repository: { owner: string; name: string; id: number };

beforeAll(async () => {
  fixture = await createGitHubFixture();
  repository = { ...fixture.repository, id: 42 };
});
afterAll(async () => {
  await fixture.dispose();
});
beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'infrastream-drift-publish-'));
  const sqlite = new SqliteDocumentStore({ file: join(folder, 'state.sqlite') });
  writes = [];
  store = {
    get: (path) => sqlite.get(path),
    getAll: (paths) => sqlite.getAll(paths),
    list: (collection) => sqlite.list(collection),
    transact: (work) => sqlite.transact(work),
    write: (batch) => {
      writes.push([...batch]);
      return sqlite.write(batch);
    },
  };
  fixture.github.issues.issues.length = 0;
  fixture.github.settings.sarifs.length = 0;
  fixture.github.requests.length = 0;
  fixture.github.answerInstead = undefined;
  reading = { status: 'ok', detail: 'read', observations: [] };
  minute = 0;
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

const gitHub = (): DriftPublisher =>
  createGitHubDriftPublisher({
    octokit: fixture.octokit,
    repository: fixture.repository,
    commit,
    unlocatedFile: 'organization.yaml',
    toolVersion: '0.1.0',
    writeIntervalMs: 0,
  });

function sweep(publisher: DriftPublisher = gitHub(), workspace?: string) {
  writes.length = 0;
  fixture.github.requests.length = 0;
  return runDriftSweep({
    store,
    repository,
    readers: [{ name: 'terraform', read: () => Promise.resolve(reading) }],
    acknowledgements: [],
    acknowledgementsCommit: commit,
    clock: { now: () => new Date(Date.UTC(2026, 0, 1, 0, ++minute)).toISOString() },
    publisher,
    ...(workspace === undefined ? {} : { workspace }),
  });
}

/** What reached GitHub that changes something: issues written, SARIF uploaded. */
const gitHubWrites = () =>
  fixture.github.requests
    .filter((request) => request.method !== 'GET' && !request.path.startsWith('/app/'))
    .map((request) => `${request.method} ${request.path.replace(/^\/repos\/acme\/platform/, '')}`);

const collections = () => writes.map((batch) => batch.map((write) => write.path.split('/').at(-2)));

describe('a drift sweep published to GitHub', () => {
  it('creates the issues and uploads the log once, then sends and writes nothing over the same drift', async () => {
    reading = { status: 'ok', detail: 'read', observations: [ownerGrant, webBucket] };
    const first = await sweep();
    expect(first.sweep.publication).toMatchObject({
      status: 'ok',
      detail: 'drift issues: 2 created; SARIF uploaded to refs/heads/main (sarif-1)',
    });
    expect(gitHubWrites()).toEqual(['POST /issues', 'POST /issues', 'POST /code-scanning/sarifs']);
    // The findings are stored before anything is published, the sweep that tells it last.
    expect(collections()).toEqual([['drift', 'drift'], ['drift-sweeps']]);

    const second = await sweep();
    expect(second.sweep).toMatchObject({ written: 0, unchanged: 2 });
    expect(second.sweep.publication).toMatchObject({
      status: 'ok',
      detail: 'no drift issue changed; SARIF unchanged since the last upload',
      sarifDigest: first.sweep.publication?.sarifDigest,
    });
    expect(gitHubWrites()).toEqual([]);
    expect(fixture.github.settings.sarifs).toHaveLength(1);
    expect(collections()).toEqual([['drift-sweeps']]);
    const stored = await store.list(repositoryPaths(repository).driftSweeps);
    expect(stored.at(-1)?.data['publication']).toEqual(second.sweep.publication);
  });

  it('edits, closes and uploads again only when the findings change', async () => {
    reading = { status: 'ok', detail: 'read', observations: [ownerGrant, webBucket] };
    await sweep();
    reading = {
      status: 'ok',
      detail: 'read',
      observations: [{ ...ownerGrant, after: 'roles/editor' }],
    };
    const changed = await sweep();
    expect(changed.sweep.publication?.detail).toBe(
      'drift issues: 1 edited, 1 closed; SARIF uploaded to refs/heads/main (sarif-2)',
    );
    const payments = fixture.github.issues.issues.find(
      (issue) => parseDriftMarker(issue.body)?.workspace === 'payments',
    );
    expect(payments?.body).toContain('roles/editor');
    expect(await sweep()).toMatchObject({ sweep: { publication: { status: 'ok' } } });
    expect(gitHubWrites()).toEqual([]);

    reading = { status: 'ok', detail: 'read', observations: [] };
    const resolved = await sweep();
    expect(resolved.sweep.publication?.detail).toBe(
      'drift issues: 1 closed; SARIF uploaded to refs/heads/main (sarif-3)',
    );
    // The empty log closes the alerts in code scanning.
    const log = fixture.github.settings.sarifs.at(-1)?.log as { runs: { results: unknown[] }[] };
    expect(log.runs[0]?.results).toEqual([]);
    await sweep();
    expect(gitHubWrites()).toEqual([]);
  });

  it('keeps the findings when GitHub fails, says so, and uploads the log at the next sweep', async () => {
    reading = { status: 'ok', detail: 'read', observations: [ownerGrant] };
    fixture.github.answerInstead = (request) =>
      request.path.endsWith('/code-scanning/sarifs')
        ? {
            status: 403,
            body: { message: 'Advanced Security must be enabled for this repository' },
          }
        : undefined;
    const refused = await sweep();
    expect(refused.sweep.publication?.status).toBe('partial');
    expect(refused.sweep.publication?.detail).toMatch(
      /^drift issues: 1 created; SARIF not uploaded: .*Advanced Security must be enabled/,
    );
    expect(refused.sweep.publication?.sarifDigest).toBeUndefined();
    expect(refused.sweep.written).toBe(1);
    expect(collections()).toEqual([['drift'], ['drift-sweeps']]);

    fixture.github.answerInstead = undefined;
    const retried = await sweep();
    expect(retried.sweep.written).toBe(0);
    expect(gitHubWrites()).toEqual(['POST /code-scanning/sarifs']);

    const thrown = await sweep({
      publish: () => Promise.reject(new Error('GitHub is down\nand more')),
    });
    expect(thrown.sweep.publication).toEqual({
      status: 'failed',
      detail: 'GitHub is down',
      sarifDigest: retried.sweep.publication?.sarifDigest,
    });
    // Code scanning still holds the log the failed sweep could not touch: nothing to resend.
    await sweep();
    expect(gitHubWrites()).toEqual([]);
  });

  it('touches only its own workspace in a sweep of one, and uploads no log', async () => {
    reading = { status: 'ok', detail: 'read', observations: [ownerGrant, webBucket] };
    const whole = await sweep();
    reading = { status: 'ok', detail: 'read', observations: [webBucket] };
    const payments = await sweep(gitHub(), 'payments');
    expect(payments.sweep.publication).toEqual({
      status: 'ok',
      detail:
        'drift issues: 1 closed; no SARIF uploaded for a sweep of one workspace: it would close the others’ alerts',
      sarifDigest: whole.sweep.publication?.sarifDigest,
    });
    expect(fixture.github.settings.sarifs).toHaveLength(1);
    const open = fixture.github.issues.issues.filter((issue) => issue.state === 'open');
    expect(open.map((issue) => parseDriftMarker(issue.body)?.workspace)).toEqual(['web']);
  });
});
