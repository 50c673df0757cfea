import { spawnSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processStart } from '../../shared/adapters/process-liveness.ts';
import { SqliteDocumentStore } from '../../shared/adapters/sqlite-document-store.ts';
import {
  repositoryPaths,
  type BuildDocument,
  type CommitDocument,
  type RepositoryDocument,
  type WorkspaceDocument,
} from '../../shared/pipeline/state-documents.ts';
import { unstagedOrganization } from '../support/base-organization.ts';
import { createTestRepository, type TestRepository } from '../support/git-repository.ts';
import { runCli } from '../support/run-cli.ts';
import { createStandInTerraform, type StandInTerraform } from '../support/stand-in-terraform.ts';

/** A pid that ran on this machine and no longer does. */
function deadPid(): number {
  const ended = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(ended.stdout.toString());
}

let repository: TestRepository;
let commit: string;
let terraform: StandInTerraform;

beforeEach(async () => {
  repository = await createTestRepository();
  await repository.write(Object.fromEntries(unstagedOrganization));
  commit = await repository.commit('The base organization');
  terraform = await createStandInTerraform();
});

afterEach(async () => {
  await rm(repository.directory, { recursive: true, force: true });
  await rm(terraform.directory, { recursive: true, force: true });
});

const lockFile = () => join(repository.directory, '.infrastream', 'lock');

async function writeLock(holder: {
  pid: number;
  host?: string;
  command?: string;
  processStart?: string;
}) {
  await mkdir(join(repository.directory, '.infrastream'), { recursive: true });
  await writeFile(
    lockFile(),
    JSON.stringify({
      host: hostname(),
      startedAt: '2025-01-01T00:00:00.000Z',
      command: 'infrastream run --apply',
      ...holder,
    }),
  );
}

/** The embedded state of the test repository, edited as a killed run leaves it. */
async function withState<T>(
  work: (store: SqliteDocumentStore, paths: ReturnType<typeof repositoryPaths>) => Promise<T>,
): Promise<T> {
  const store = new SqliteDocumentStore({
    file: join(repository.directory, '.infrastream', 'state.sqlite'),
  });
  try {
    return await work(
      store,
      repositoryPaths({ owner: 'local', name: basename(repository.directory) }),
    );
  } finally {
    await store.close();
  }
}

async function builds(): Promise<Record<string, string>> {
  return withState(async (store, paths) =>
    Object.fromEntries(
      (await store.list(paths.builds)).map(({ data }) => {
        const build = data as unknown as BuildDocument;
        return [build.workspace, build.status];
      }),
    ),
  );
}

async function workspaces(): Promise<WorkspaceDocument[]> {
  return withState(async (store, paths) =>
    (await store.list(paths.workspaces)).map(({ data }) => data as unknown as WorkspaceDocument),
  );
}

/** The state as a kill after deltas and before the builds stage took the workspaces leaves it. */
async function forgetBuilds(): Promise<void> {
  await withState(async (store, paths) => {
    await store.write(
      [
        ...(await store.list(paths.workspaces)).map(({ id }) => `${paths.workspaces}/${id}`),
        ...(await store.list(paths.builds)).map(({ id }) => `${paths.builds}/${id}`),
      ].map((path) => ({ kind: 'delete' as const, path })),
    );
  });
}

/** The workspaces' documents as a run killed while it built them leaves them: running. */
async function leaveRunning(names: readonly string[]): Promise<void> {
  await withState(async (store, paths) => {
    const running = { commit, sequence: 1, build: null };
    await store.write(
      names.flatMap((workspace) => [
        {
          kind: 'set' as const,
          path: paths.workspace(workspace),
          data: {
            id: workspace,
            lastApplied: null,
            running,
            pending: null,
            updatedAt: '2025-01-01T00:00:00.000Z',
          },
        },
        {
          kind: 'set' as const,
          path: paths.build(workspace, commit),
          data: {
            workspace,
            commit,
            sequence: 1,
            apply: true,
            status: 'requested',
            build: null,
            logUrl: null,
            reason: 'rendering and starting the build',
            updatedAt: '2025-01-01T00:00:00.000Z',
          },
        },
      ]),
    );
  });
}

const WORKSPACES = ['organization', 'payments.production.shop', 'payments.staging.shop'];

describe('one run at a time per folder', () => {
  it('exits 3, naming the holder, while a live process holds the folder, and records nothing', async () => {
    // This test's own process: alive, and not the run's.
    await writeLock({ pid: process.pid });
    const run = await runCli(['run', '--apply', repository.directory], { env: terraform.env() });
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(
      `infrastream run: ${lockFile()} is held by infrastream run --apply (pid ${process.pid}, since 2025-01-01T00:00:00.000Z); one run or serve at a time per folder: try again once it has finished\n`,
    );
    expect(await terraform.calls()).toEqual([]);
    expect(await builds()).toEqual({});
    // The holder's lock is its own: a refused run leaves it.
    expect(JSON.parse(await readFile(lockFile(), 'utf8'))).toMatchObject({ pid: process.pid });

    const serve = await runCli(
      ['serve', repository.directory, '--port', '0', '--repository', 'acme/platform#42'],
      { env: { INFRASTREAM_WEBHOOK_SECRETS: 'secret' }, timeoutMs: 20_000 },
    );
    expect(serve.code).toBe(3);
    expect(serve.stderr).toContain(`is held by infrastream run --apply (pid ${process.pid}`);
  });

  it('says a holder on another machine may still run, and how to free the folder if not', async () => {
    await writeLock({ pid: 1, host: 'build-agent-7' });
    const run = await runCli(['run', repository.directory]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(
      '(pid 1 on build-agent-7, since 2025-01-01T00:00:00.000Z); one run or serve at a time per folder: try again once it has finished, or delete the file if nothing runs on build-agent-7 any more',
    );
  });

  it('takes over the lock of a run that ended without letting it go, with a note, and lets it go', async () => {
    const pid = deadPid();
    await writeLock({ pid });
    const run = await runCli(['run', repository.directory]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      `.infrastream/lock from infrastream run --apply (pid ${pid}, since 2025-01-01T00:00:00.000Z), which ended without letting it go\n`,
    );
    expect(run.stdout).toMatch(/recorded {3}revision 1/);
    await expect(readFile(lockFile())).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it.each(['null', '{}', '{"pid": "12"}'])(
    'refuses a lock file infrastream did not write (%s), saying how to free the folder',
    async (text) => {
      await mkdir(join(repository.directory, '.infrastream'), { recursive: true });
      await writeFile(lockFile(), text);
      const run = await runCli(['run', repository.directory]);
      expect(run.code).toBe(3);
      expect(run.stderr).toBe(
        `infrastream run: ${lockFile()} is not a lock infrastream wrote: if no infrastream run or serve uses this folder, delete it\n`,
      );
    },
  );

  it('takes over a lock whose pid now names another process: pids are reused', async () => {
    const start = processStart(process.pid);
    if (start === undefined)
      return expect.fail('no /proc here: the start of a process is not known');
    // This test's own pid, alive, but started at another time than the run that held the lock.
    await writeLock({ pid: process.pid, processStart: String(Number(start) - 1) });
    const run = await runCli(['run', repository.directory]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      `(pid ${process.pid}, since 2025-01-01T00:00:00.000Z), which ended`,
    );
  });
});

describe('a run finishes what a killed run left unfinished', () => {
  it('computes the deltas and builds of a revision recorded just before the run was killed', async () => {
    expect((await runCli(['run', repository.directory])).code).toBe(0);
    // As a kill after record and before deltas leaves it.
    await withState(async (store, paths) => {
      const stored = (await store.get(paths.commit(commit))) as unknown as CommitDocument;
      const { deltas: _, ...stages } = stored.stages;
      await store.write([
        { kind: 'set', path: paths.commit(commit), data: { ...stored, stages } },
        ...(await store.list(paths.workspaces)).map(({ id }) => ({
          kind: 'delete' as const,
          path: `${paths.workspaces}/${id}`,
        })),
        ...(await store.list(paths.builds)).map(({ id }) => ({
          kind: 'delete' as const,
          path: `${paths.builds}/${id}`,
        })),
      ]);
    });

    const run = await runCli(['run', repository.directory]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      `  resuming   what an interrupted run left: deltas of ${commit.slice(0, 7)}\n`,
    );
    expect(run.stdout).toMatch(/builds {5}3 \(0 applied; plan only/);
    expect(await builds()).toEqual(Object.fromEntries(WORKSPACES.map((id) => [id, 'SUCCESS'])));
  });

  it('requests the builds of a revision whose deltas ended just before the run was killed', async () => {
    expect((await runCli(['run', repository.directory])).code).toBe(0);
    await forgetBuilds();

    const run = await runCli(['run', repository.directory]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      `  resuming   what an interrupted run left: 3 builds\n${WORKSPACES.map((id) => `    ${id} at ${commit.slice(0, 7)}: SUCCESS\n`).join('')}`,
    );
    expect(await builds()).toEqual(Object.fromEntries(WORKSPACES.map((id) => [id, 'SUCCESS'])));
  });

  it('leaves the builds of a killed run --apply to a run that applies, never planning them in its place', async () => {
    const env = terraform.env();
    expect((await runCli(['run', '--apply', repository.directory], { env })).code).toBe(0);
    await forgetBuilds();

    const planOnly = await runCli(['run', repository.directory]);
    expect(planOnly.code).toBe(0);
    expect(planOnly.stdout).toContain(
      `  note: organization: its build at ${commit.slice(0, 7)} applies; \`infrastream run --apply\` resumes it\n`,
    );
    expect(await builds()).toEqual({});
    const applying = await runCli(['run', '--apply', repository.directory], { env });
    expect(applying.code).toBe(0);
    expect(await builds()).toEqual(Object.fromEntries(WORKSPACES.map((id) => [id, 'SUCCESS'])));
  });

  it('records a revision whose recording was interrupted, before the commit after it', async () => {
    expect((await runCli(['run', repository.directory])).code).toBe(0);
    await repository.write({ 'groups/readers.yaml': groupManifest('readers') });
    const second = await repository.commit('Readers');
    expect((await runCli(['run', repository.directory])).code).toBe(0);
    // As a kill while revision 2's documents were written leaves it: claimed, not current.
    await withState(async (store, paths) => {
      const stored = (await store.get(paths.repository)) as unknown as RepositoryDocument;
      const secondCommit = (await store.get(paths.commit(second))) as unknown as CommitDocument;
      const { record: _, deltas: __, ...stages } = secondCommit.stages;
      await store.write([
        {
          kind: 'set',
          path: paths.repository,
          data: {
            ...stored,
            current: { commit, sequence: 1, recordedAt: '2025-01-01T00:00:00.000Z' },
            recording: { commit: second, sequence: 2, previous: { commit, sequence: 1 } },
          },
        },
        { kind: 'set', path: paths.commit(second), data: { ...secondCommit, stages } },
      ]);
    });
    await repository.write({ 'groups/writers.yaml': groupManifest('writers') });
    const third = await repository.commit('Writers');

    const run = await runCli(['run', repository.directory]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      `resuming   what an interrupted run left: record of ${second.slice(0, 7)}`,
    );
    expect(run.stdout).toContain(`at ${third.slice(0, 7)} (main)`);
    expect(run.stdout).toContain('recorded   revision 3');
    const state = await runCli(['state', 'commits', second, '--dir', repository.directory]);
    expect(JSON.parse(state.stdout)).toMatchObject({
      stages: { record: { status: 'recorded', sequence: 2 }, deltas: { sequence: 2 } },
    });
  });

  it('restarts a build a killed run left running, and takes the outcome of one that had ended', async () => {
    const env = terraform.env();
    expect((await runCli(['run', '--apply', repository.directory], { env })).code).toBe(0);
    const buildFolder = (workspace: string) =>
      join(repository.directory, '.infrastream', 'builds', workspace, `${commit}-1`);
    // As a kill during the builds leaves them: organization was being applied (no outcome,
    // no ledger entry, nothing applied); staging had ended, its outcome not yet recorded.
    await leaveRunning(['organization', 'payments.staging.shop']);
    await rm(join(buildFolder('organization'), 'build.json'));
    await rm(join(repository.directory, '.infrastream', 'ledgers', 'organization.json'));
    await rm(join(terraform.directory, 'state', 'organization.json'));
    const before = (await terraform.calls()).length;

    const run = await runCli(['run', '--apply', repository.directory], { env });
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain(
      `  resuming   what an interrupted run left: 2 builds\n    organization at ${commit.slice(0, 7)}: SUCCESS\n    payments.staging.shop at ${commit.slice(0, 7)}: SUCCESS\n`,
    );
    expect(run.code).toBe(0);
    const calls = (await terraform.calls()).slice(before);
    expect(new Set(calls.map((call) => call.workspace))).toEqual(new Set(['organization']));
    expect(calls.filter((call) => call.command === 'apply')).toHaveLength(1);
    expect(await builds()).toEqual(Object.fromEntries(WORKSPACES.map((id) => [id, 'SUCCESS'])));
    expect(
      (await workspaces()).map(({ id, running, lastApplied }) => [
        id,
        running,
        lastApplied?.sequence,
      ]),
    ).toEqual(WORKSPACES.map((id) => [id, null, 1]));
  });

  it('finishes a build whose apply ended but whose outcome a kill lost or cut short, applying nothing again', async () => {
    const env = terraform.env();
    expect((await runCli(['run', '--apply', repository.directory], { env })).code).toBe(0);
    const outcome = (workspace: string) =>
      join(repository.directory, '.infrastream', 'builds', workspace, `${commit}-1`, 'build.json');
    // Killed after the ledger recorded organization's apply, before its outcome was written;
    // and while staging's outcome was being written.
    await leaveRunning(['organization', 'payments.staging.shop']);
    await rm(outcome('organization'));
    await writeFile(outcome('payments.staging.shop'), '');
    const before = (await terraform.calls()).length;

    const run = await runCli(['run', '--apply', repository.directory], { env });
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain(
      `  resuming   what an interrupted run left: 2 builds\n    organization at ${commit.slice(0, 7)}: SUCCESS\n    payments.staging.shop at ${commit.slice(0, 7)}: SUCCESS\n`,
    );
    expect(run.code).toBe(0);
    const calls = (await terraform.calls()).slice(before);
    expect(calls.filter((call) => call.command === 'apply')).toEqual([]);
    expect(await builds()).toEqual(Object.fromEntries(WORKSPACES.map((id) => [id, 'SUCCESS'])));
    expect(
      (await workspaces()).map(({ id, running, lastApplied }) => [
        id,
        running,
        lastApplied?.sequence,
      ]),
    ).toEqual(WORKSPACES.map((id) => [id, null, 1]));
  });
});

function groupManifest(name: string): string {
  return `apiVersion: lowops.manifests.v1
kind: OrganizationUserGroup
metadata:
  name: ${name}
  organization: acme
spec:
  description: People who read
  parent: ""
  members:
    users:
      - alice
`;
}
