import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteDocumentStore } from '../../shared/adapters/sqlite-document-store.ts';
import { BUILDS_TOPIC } from '../../shared/core/contracts/build-request-message.ts';
import {
  DESIRED_STATE_TOPIC,
  MANIFESTS_TOPIC,
} from '../../shared/core/contracts/commit-message.ts';
import {
  STORED_ISSUES_LIMIT,
  type BuildDocument,
  type CommitDocument,
  type RepositoryDocument,
  type WorkspaceDocument,
} from '../../shared/pipeline/state-documents.ts';
import type { DocumentStore } from '../../shared/ports/document-store.ts';
import type { Publisher } from '../../shared/ports/publisher.ts';
import { analyzeRepository } from '../../shared/core/governance/analyze-repository.ts';
import { baseOrganization, editedOrganization } from '../support/base-organization.ts';
import {
  createTestPipeline,
  TEST_REPOSITORY,
  type TestPipeline,
} from '../support/embedded-pipeline.ts';
import { createTestRepository, type TestRepository } from '../support/git-repository.ts';

const PROJECT = 'payments/production/shop/project.yaml';
const SHOP = 'payments.production.shop';

describe('the pipeline, embedded, over a real git repository', () => {
  let repository: TestRepository;
  let base: string;

  beforeEach(async () => {
    repository = await createTestRepository();
    await repository.write(Object.fromEntries(baseOrganization));
    base = await repository.commit('The base organization');
  });

  afterEach(async () => {
    await rm(repository.directory, { recursive: true, force: true });
  });

  /** The same files with the shop project allowed one more egress host. */
  async function commitEgressChange(host = 'api.paypal.com'): Promise<string> {
    const project = new TextDecoder().decode(baseOrganization.get(PROJECT));
    const changed = project.replace(
      '    - 203.0.113.0/24\n',
      `    - 203.0.113.0/24\n    - ${host}\n`,
    );
    expect(changed).not.toBe(project);
    await repository.write({ [PROJECT]: changed });
    return repository.commit(`Allow ${host}`);
  }

  async function documents<T>(pipeline: TestPipeline, collection: string): Promise<T[]> {
    return (await pipeline.ports.store.list(collection)).map((entry) => entry.data as T);
  }

  async function repositoryDocument(pipeline: TestPipeline): Promise<RepositoryDocument> {
    return pipeline.state.repositoryDocument();
  }

  async function commitDocument(pipeline: TestPipeline, sha: string): Promise<CommitDocument> {
    const found = await pipeline.state.commit(sha);
    if (found === undefined) throw new Error(`no commit document for ${sha}`);
    return found;
  }

  it('validates, records and builds every workspace of a first push', async () => {
    const pipeline = await createTestPipeline(repository.directory);
    const outcomes = await pipeline.push({ after: base });
    expect(outcomes.every((outcome) => outcome.status === 'done')).toBe(true);

    const commit = await commitDocument(pipeline, base);
    expect(commit.stages.parse).toMatchObject({ status: 'passed', errors: 0 });
    expect(commit.stages.record).toMatchObject({ status: 'recorded', sequence: 1 });
    expect((await repositoryDocument(pipeline)).current).toMatchObject({
      commit: base,
      sequence: 1,
    });

    const revision = await pipeline.ports.revisions.load(pipeline.state.repository, base);
    const resources = await documents<{ id: string }>(pipeline, pipeline.state.paths.resources);
    expect(resources.map((resource) => resource.id).sort()).toEqual(
      [...revision.analysis.state.nodes.keys()].sort(),
    );
    const workspaces = commit.stages.deltas?.workspaces ?? [];
    expect(workspaces).toEqual([...revision.analysis.state.workspaces].sort());
    expect(pipeline.submissions.map((build) => build.workspace).sort()).toEqual(workspaces);
    const builds = await documents<BuildDocument>(pipeline, pipeline.state.paths.builds);
    expect(builds.map((build) => `${build.workspace} ${build.status}`).sort()).toEqual(
      workspaces.map((workspace) => `${workspace} SUCCESS`),
    );
    // Plan only: nothing was applied, and every workspace is free again.
    for (const workspace of await documents<WorkspaceDocument>(
      pipeline,
      pipeline.state.paths.workspaces,
    )) {
      expect(workspace).toMatchObject({ lastApplied: null, running: null, pending: null });
    }
    expect(pipeline.reporter.reports.get(`${base} infrastream/validate`)?.conclusion).toBe(
      'success',
    );
    const plan = pipeline.reporter.reports.get(`${base} infrastream/plan`);
    expect([plan?.conclusion, plan?.title]).toEqual([
      'success',
      expect.stringMatching(/^Plan: .*; applying \(infrastream\/apply\)$/),
    ]);
    // The base organization has no CODEOWNERS file: the regenerated one is proposed.
    expect(commit.stages.deltas?.codeowners).toBe('not-written');
    expect(pipeline.codeOwners.proposed[0]).toMatchObject({ branch: 'main', parent: base });
  });

  it('changes nothing when the same push is delivered again', async () => {
    const pipeline = await createTestPipeline(repository.directory);
    await pipeline.push({ after: base, delivery: 'same' });
    const submitted = pipeline.submissions.length;
    const events = (await pipeline.ports.store.list(pipeline.state.paths.events)).length;
    const outcomes = await pipeline.push({ after: base, delivery: 'same' });
    expect(outcomes.map((outcome) => outcome.status)).not.toContain('done');
    expect(pipeline.submissions).toHaveLength(submitted);
    expect((await repositoryDocument(pipeline)).current?.sequence).toBe(1);
    expect((await pipeline.ports.store.list(pipeline.state.paths.events)).length).toBe(events);
  });

  it('writes in proportion to a one-manifest change and builds only its workspace', async () => {
    const pipeline = await createTestPipeline(repository.directory);
    await pipeline.push({ after: base });
    const next = await commitEgressChange();
    pipeline.submissions.length = 0;
    await pipeline.push({ after: next, before: base });

    const pages = await pipeline.ports.store.list(`${pipeline.state.paths.revision(2)}/changes`);
    expect(pages.map((page) => page.data)).toEqual([
      {
        changes: [
          {
            collection: 'resources',
            id: 'Project:acme/payments/production/shop',
            change: 'changed',
          },
        ],
      },
    ]);
    expect(pipeline.submissions.map((build) => `${build.workspace} ${build.commit}`)).toEqual([
      `${SHOP} ${next}`,
    ]);
    const deltas = await pipeline.ports.store.list(pipeline.state.paths.deltas(next));
    expect(deltas.map((delta) => delta.data)).toEqual([
      expect.objectContaining({ workspace: SHOP, egress: 1, iamAdd: 0, create: 0 }),
    ]);
    // The change's own plan is kept with its counts.
    expect(JSON.stringify(deltas[0]?.data['plan'])).toContain('api.paypal.com');
  });

  it('applies nothing from an invalid push and says where it is wrong', async () => {
    const pipeline = await createTestPipeline(repository.directory);
    await pipeline.push({ after: base });
    await repository.write({
      [PROJECT]: 'apiVersion: lowops.manifests.v1\nkind: Project\nmetadata: [\n',
    });
    const broken = await repository.commit('Broken');
    pipeline.submissions.length = 0;
    const outcomes = await pipeline.push({ after: broken, before: base });

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['done']);
    expect(outcomes[0]?.detail).toMatch(/nothing is applied/);
    const commit = await commitDocument(pipeline, broken);
    expect(commit.stages.parse?.status).toBe('failed');
    expect(commit.stages.record).toBeUndefined();
    const issue = commit.issues.find((stored) => stored.file === PROJECT);
    expect(issue).toMatchObject({ severity: 'error', rule: 'yaml/syntax' });
    expect(commit.issueCount).toBe(commit.issues.length);
    expect((await repositoryDocument(pipeline)).current?.commit).toBe(base);
    expect(pipeline.submissions).toEqual([]);
    const report = pipeline.reporter.reports.get(`${broken} infrastream/validate`);
    expect(report?.conclusion).toBe('failure');
    expect(report?.annotations).toContainEqual(
      expect.objectContaining({ path: PROJECT, level: 'failure', line: issue?.line }),
    );
    // Never planned: its plan check concludes with the errors, it is not left open.
    const plan = pipeline.reporter.reports.get(`${broken} infrastream/plan`);
    expect(plan?.conclusion).toBe('failure');
    expect(plan?.title).toMatch(/^Not planned: /);
    expect(plan?.summary).toContain(`\`${PROJECT}:${issue?.line}:`);
  });

  it('annotates every error but only the first warnings, and says how many it left out', async () => {
    const pipeline = await createTestPipeline(repository.directory);
    const project = new TextDecoder().decode(baseOrganization.get(PROJECT));
    // 60 ranges of 65,536+ addresses: a policy/egress-broad-range warning each.
    const ranges = Array.from(
      { length: 60 },
      (_, index) => `    - 10.${String(index * 2)}.0.0/15\n`,
    );
    await repository.write({
      [PROJECT]: project.replace(
        '    - 203.0.113.0/24\n',
        `    - 203.0.113.0/24\n${ranges.join('')}`,
      ),
    });
    const commit = await repository.commit('Broad ranges');
    await pipeline.push({ after: commit });
    const stored = await commitDocument(pipeline, commit);
    // And the warnings the base organization has of its own: what it declares and is not rendered.
    const baseWarnings = analyzeRepository(editedOrganization()).issues.filter(
      (issue) => issue.severity === 'warning',
    ).length;
    expect(stored.stages.parse).toMatchObject({ status: 'passed', warnings: 60 + baseWarnings });
    const report = pipeline.reporter.reports.get(`${commit} infrastream/validate`);
    expect(report?.annotations).toHaveLength(50);
    expect(report?.summary.split('\n')[0]).toBe(
      `${String(10 + baseWarnings)} more warnings are not annotated on the files; \`infrastream validate\` shows every issue.`,
    );
  });

  it('keeps every issue of a commit with more than its document holds', async () => {
    const pipeline = await createTestPipeline(repository.directory);
    const broken = Object.fromEntries(
      Array.from({ length: STORED_ISSUES_LIMIT + 20 }, (_, index) => [
        `broken/${String(index).padStart(4, '0')}.yaml`,
        'apiVersion: lowops.manifests.v1\nkind: Secret\nmetadata: [\n',
      ]),
    );
    await repository.write(broken);
    const commit = await repository.commit('Many broken files');
    await pipeline.push({ after: commit });
    const stored = await commitDocument(pipeline, commit);
    expect(stored.issues).toHaveLength(STORED_ISSUES_LIMIT);
    const pages = await pipeline.ports.store.list(pipeline.state.paths.issuePages(commit));
    const all = pages.flatMap((page) => page.data.issues as { file: string }[]);
    expect(all).toHaveLength(stored.issueCount);
    expect(
      new Set(all.map((issue) => issue.file).filter((file) => file.startsWith('broken/'))),
    ).toEqual(new Set(Object.keys(broken)));
  });

  it('records tags and deleted branches without touching the desired state', async () => {
    const pipeline = await createTestPipeline(repository.directory);
    await pipeline.push({ after: base });
    const tag = await pipeline.push({ after: base, ref: 'refs/tags/v1', delivery: 'tag' });
    const deletion = await pipeline.push({
      after: '0'.repeat(40),
      before: base,
      deleted: true,
      delivery: 'delete',
    });
    expect(tag).toEqual([{ status: 'skipped', detail: 'tag v1 is not applied' }]);
    expect(deletion).toEqual([
      { status: 'skipped', detail: 'branch main was deleted; desired state is kept' },
    ]);
    expect((await repositoryDocument(pipeline)).current).toMatchObject({
      commit: base,
      sequence: 1,
    });
    const events = await documents<{ type: string; delivery?: string }>(
      pipeline,
      pipeline.state.paths.events,
    );
    expect(
      events
        .filter((event) => event.type === 'push-recorded')
        .map((event) => event.delivery)
        .sort(),
    ).toEqual(['delete', 'tag']);
  });

  it('skips a push delivered after a newer one, and records a forced push to an older commit', async () => {
    const pipeline = await createTestPipeline(repository.directory);
    const older = await commitEgressChange('api.one.example');
    const newer = await commitEgressChange('api.two.example');
    await pipeline.push({ after: newer });
    const late = await pipeline.push({ after: older });
    expect(late.at(-1)?.status).toBe('skipped');
    expect(late.at(-1)?.detail).toMatch(/does not descend/);
    expect((await commitDocument(pipeline, older)).stages.record?.status).toBe('skipped');
    expect((await repositoryDocument(pipeline)).current).toMatchObject({
      commit: newer,
      sequence: 1,
    });

    await pipeline.push({ after: older, forced: true, delivery: 'forced' });
    expect((await repositoryDocument(pipeline)).current).toMatchObject({
      commit: older,
      sequence: 2,
    });
    expect((await commitDocument(pipeline, older)).stages.record?.status).toBe('recorded');
  });

  it('plans another branch against the current revision and applies nothing', async () => {
    const pipeline = await createTestPipeline(repository.directory);
    await pipeline.push({ after: base });
    await repository.git('checkout', '--quiet', '-b', 'feature');
    const feature = await commitEgressChange();
    pipeline.submissions.length = 0;
    await pipeline.push({ after: feature, ref: 'refs/heads/feature' });
    const commit = await commitDocument(pipeline, feature);
    expect(commit.stages.plan).toMatchObject({ base, workspaces: [SHOP] });
    expect(commit.stages.record).toBeUndefined();
    expect(pipeline.submissions).toEqual([]);
    expect((await repositoryDocument(pipeline)).current?.commit).toBe(base);
    const plan = pipeline.reporter.reports.get(`${feature} infrastream/plan`);
    expect([plan?.conclusion, plan?.title]).toEqual([
      'success',
      expect.stringMatching(/^Plan \(not applied\)/),
    ]);
    expect(pipeline.reporter.reports.has(`${feature} infrastream/apply`)).toBe(false);
  });

  it('builds a revision while its documents are written, and finishes them after a crash', async () => {
    const dying = storeThatDiesWritingTheGraph();
    const recordingWhenBuildsRequested: (string | undefined)[] = [];
    // The publisher runs only once the pipeline exists: during the push below.
    const pipeline: TestPipeline = await createTestPipeline(repository.directory, {
      store: dying.store,
      publisher: (bus) => ({
        async publish(topic, message) {
          if (topic === BUILDS_TOPIC) {
            const { recording } = await pipeline.state.repositoryDocument();
            recordingWhenBuildsRequested.push(recording?.commit);
          }
          return bus.publish(topic, message);
        },
      }),
    });
    await pipeline.push({ after: base });
    expect(dying.died()).toBe(true);
    expect(pipeline.bus.deadLetters).toEqual([]);
    // Deltas went on from the number record had taken, while its documents were unwritten;
    // record, resumed, handed on again, and deltas repeated its requests (built once, below).
    expect(recordingWhenBuildsRequested).toEqual([base, undefined]);
    const commit = await commitDocument(pipeline, base);
    expect(commit.stages.record).toMatchObject({ status: 'recorded', sequence: 1 });
    const { current, recording } = await repositoryDocument(pipeline);
    expect(current).toMatchObject({ commit: base, sequence: 1 });
    expect(recording).toBeNull();
    expect(await pipeline.ports.store.list(pipeline.state.paths.revisions)).toHaveLength(1);
    const resources = await pipeline.ports.store.list(pipeline.state.paths.resources);
    expect(resources.length).toBe(baseOrganization.size);
    const workspaces = commit.stages.deltas?.workspaces ?? [];
    expect(pipeline.submissions.map((build) => build.workspace).sort()).toEqual(workspaces);
  });

  it('builds a forced push back to a recorded commit under its new number, before it is marked', async () => {
    const pipeline = await createTestPipeline(repository.directory);
    await pipeline.push({ after: base });
    const newer = await commitEgressChange('api.two.example');
    await pipeline.push({ after: newer });
    // Record has taken revision 3 for the forced push back to base and handed on; the
    // commit's own record stage still says revision 1 until the documents are written.
    const repositoryState = await repositoryDocument(pipeline);
    await pipeline.ports.store.write([
      {
        kind: 'set',
        path: pipeline.state.paths.repository,
        data: {
          ...repositoryState,
          recording: { commit: base, sequence: 3, previous: { commit: newer, sequence: 2 } },
        },
      },
    ]);
    expect((await commitDocument(pipeline, base)).stages.record?.sequence).toBe(1);
    await pipeline.bus.publish(DESIRED_STATE_TOPIC, {
      version: 1,
      delivery: 'forced',
      repository: TEST_REPOSITORY,
      ref: 'refs/heads/main',
      commit: base,
      action: 'apply',
      forced: true,
      pusher: 'octocat',
    });
    await pipeline.bus.drain();
    expect((await commitDocument(pipeline, base)).stages.deltas?.sequence).toBe(3);
    const forced = pipeline.submissions.filter(
      (build) => build.commit === base && build.sequence === 3,
    );
    expect(forced.map((build) => build.workspace)).toEqual([SHOP]);
  });

  it('retries, and never builds, a desired-state message for a commit record never took', async () => {
    const pipeline = await createTestPipeline(repository.directory);
    await pipeline.bus.publish(DESIRED_STATE_TOPIC, {
      version: 1,
      delivery: 'forged',
      repository: TEST_REPOSITORY,
      ref: 'refs/heads/main',
      commit: base,
      action: 'apply',
      forced: false,
      pusher: 'octocat',
    });
    await pipeline.bus.drain();
    expect(pipeline.bus.deadLetters.map((letter) => String(letter.error))).toEqual([
      `TransientError: commit ${base} is not recorded`,
    ]);
    expect(pipeline.submissions).toEqual([]);
  });

  for (const topic of [MANIFESTS_TOPIC, DESIRED_STATE_TOPIC, BUILDS_TOPIC]) {
    it(`resumes without double effects after a crash before publishing to ${topic}`, async () => {
      let failed = false;
      const crashOnce = (bus: Publisher): Publisher => ({
        publish(name, message) {
          if (name === topic && !failed) {
            failed = true;
            return Promise.reject(new Error('the process died'));
          }
          return bus.publish(name, message);
        },
      });
      const pipeline = await createTestPipeline(repository.directory, { publisher: crashOnce });
      await pipeline.push({ after: base });
      expect(failed).toBe(true);
      expect(pipeline.bus.deadLetters).toEqual([]);
      const commit = await commitDocument(pipeline, base);
      expect((await repositoryDocument(pipeline)).current).toMatchObject({
        commit: base,
        sequence: 1,
      });
      const workspaces = commit.stages.deltas?.workspaces ?? [];
      expect(workspaces.length).toBeGreaterThan(1);
      // Each workspace was built exactly once.
      expect(pipeline.submissions.map((build) => build.workspace).sort()).toEqual(workspaces);
      expect((await pipeline.ports.store.list(pipeline.state.paths.revisions)).length).toBe(1);
    });
  }
});

/** An embedded store whose first write of graph documents fails, as a process dying then would. */
function storeThatDiesWritingTheGraph() {
  const inner = new SqliteDocumentStore({ file: ':memory:' });
  let died = false;
  const store: DocumentStore = {
    get: (path) => inner.get(path),
    getAll: (paths) => inner.getAll(paths),
    list: (collection) => inner.list(collection),
    transact: (work) => inner.transact(work),
    write(writes) {
      if (!died && writes.some((write) => write.path.includes('/resources/'))) {
        died = true;
        return Promise.reject(new Error('the process died while writing the graph'));
      }
      return inner.write(writes);
    },
  };
  return { store, died: () => died };
}
