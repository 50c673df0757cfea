import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { systemClock } from '../../shared/adapters/system-clock.ts';
import { CLOUD_BUILDS_TOPIC } from '../../shared/core/contracts/build-notification.ts';
import { RepositoryState } from '../../shared/pipeline/repository-state.ts';
import type { CommitDocument } from '../../shared/pipeline/state-documents.ts';
import type { DocumentStore } from '../../shared/ports/document-store.ts';
import {
  emulatorUnavailableReason,
  startEmulator,
  type RunningEmulator,
} from '../../test/support/emulator-process.ts';
import { startEmulatorPipeline } from '../../test/support/emulator-pipeline.ts';
import {
  deliverWebhook,
  GITHUB_REPOSITORY_ID,
  signedPushWebhook,
} from '../../test/support/github-webhook.ts';
import { target, type Benchmark, type BenchmarkOptions } from '../lib/benchmark.ts';
import { processGroupCpuMs } from '../lib/process-cpu.ts';
import { formatTable, ms, thousands } from '../lib/table.ts';
import { warmEmulators } from '../lib/warm-emulators.ts';
import { writeSyntheticOrganization } from '../synthetic-organization.ts';

const run = promisify(execFile);

/** Targets of the pipeline issue: a first full push, and a one-manifest push with warm stages. */
const MAX_FIRST_PUSH_MS = 5000;
const MAX_ONE_MANIFEST_PUSH_MS = 750;
const SECRET = 'bench-secret';
const REPOSITORY = { owner: 'acme', name: 'platform', defaultBranch: 'main' } as const;
/**
 * How often a push's end is looked for: often during its first second, then less, since
 * every look reads the commit document and that read is load on the emulator being measured.
 */
const POLL_MS = 10;
const SLOW_POLL_MS = 100;
const SLOW_POLL_AFTER_MS = 1000;

/**
 * The whole pipeline on the Firestore and Pub/Sub emulators, every hop a real Pub/Sub push
 * to a Functions Framework server, GitHub and Cloud Build on loopback behind their real
 * clients. Measured from the webhook accepted to every build requested, for a first push of
 * the whole organization and for pushes that change one manifest. The stages share one
 * process, as they do when deployed together as one service: their caches are shared. The
 * emulators are warmed first (they stand in for services with no cold start); the stages'
 * clients and caches are cold for the first push. It reports the CPU each process spent on
 * the first push: on a machine of few cores that, not waiting, is what bounds it.
 */
export const pipelineBenchmark: Benchmark = {
  name: 'pipeline',
  description:
    'webhook to builds on the Firestore and Pub/Sub emulators: first push, one-manifest pushes',
  async run(options: BenchmarkOptions) {
    for (const name of ['firestore', 'pubsub'] as const) {
      const reason = emulatorUnavailableReason(name);
      if (reason !== undefined) return { text: `skipped: ${reason}`, json: { skipped: reason } };
    }
    const emulators: RunningEmulator[] = [];
    // Every stage logs a line per message; 10,000 manifests make thousands of them. They are
    // kept, with when they came, to tell when each stage finished its part of a push.
    const log = console.log;
    const stageLines: { at: number; stage: string }[] = [];
    console.log = (line: unknown) => {
      const stage = typeof line === 'string' ? stageOf(line) : undefined;
      if (stage !== undefined) stageLines.push({ at: performance.now(), stage });
    };
    const closers: (() => Promise<void>)[] = [];
    const dir = await mkdtemp(join(tmpdir(), 'infrastream-bench-pipeline-'));
    try {
      const [firestore, pubsub] = await Promise.all([
        startEmulator('firestore'),
        startEmulator('pubsub'),
      ]);
      emulators.push(firestore, pubsub);
      const warmUp = await warmEmulators(firestore, pubsub);
      const git = (...args: string[]) =>
        run('git', args, {
          cwd: dir,
          env: {
            ...process.env,
            GIT_AUTHOR_NAME: 'b',
            GIT_AUTHOR_EMAIL: 'b@e',
            GIT_COMMITTER_NAME: 'b',
            GIT_COMMITTER_EMAIL: 'b@e',
          },
        });
      const paths = await writeSyntheticOrganization(dir, {
        manifests: options.manifests,
        seed: options.seed,
      });
      await git('init', '--quiet', '--initial-branch=main');
      await git('add', '--all');
      await git('commit', '--quiet', '-m', 'organization');
      const head = async () => (await git('rev-parse', 'HEAD')).stdout.trim();

      // Every document the stages and ingest write: the measure of a push's cost in Firestore.
      let documentsWritten = () => 0;
      const running = await startEmulatorPipeline({
        directory: dir,
        repository: { owner: REPOSITORY.owner, name: REPOSITORY.name, id: GITHUB_REPOSITORY_ID },
        firestoreHost: firestore.host,
        pubsubHost: pubsub.host,
        projectId: `bench-${String(Date.now())}`,
        topicPrefix: 'bench-',
        webhookSecret: SECRET,
        wrapStore: (store) => {
          const counted = countingStore(store);
          documentsWritten = counted.writes;
          return counted.store;
        },
      });
      closers.push(() => running.close());
      const { cloudBuild, functions, ingestUrl, firestore: firestoreStore } = running;
      const state = new RepositoryState(
        running.pipeline.ports.store,
        { ...REPOSITORY, id: GITHUB_REPOSITORY_ID },
        systemClock,
      );

      /** Sends the push of `after` and waits until every build it causes is requested. */
      const push = async (before: string, after: string) => {
        const writesBefore = documentsWritten();
        const hook = await signedPushWebhook(SECRET, {
          ...REPOSITORY,
          ref: 'refs/heads/main',
          before,
          after,
          message: 'bench',
        });
        stageLines.length = 0;
        const started = performance.now();
        const answer = await deliverWebhook(ingestUrl, hook);
        if (answer.status !== 202) throw new Error(`webhook answered ${String(answer.status)}`);
        // The builds the push causes, once deltas has recorded which.
        let expected: number | undefined;
        for (;;) {
          if (expected === undefined) {
            const commit = (await firestoreStore.get(state.paths.commit(after))) as
              CommitDocument | undefined;
            if (commit?.stages.parse?.status === 'failed')
              throw new Error('the bench organization is invalid');
            expected = commit?.stages.deltas?.workspaces.length;
          }
          if (expected !== undefined) {
            const requested = cloudBuild.builds.filter(
              (build) => build.substitutions?._COMMIT === after,
            ).length;
            if (requested >= expected) break;
          }
          const waited = performance.now() - started;
          await new Promise((resolve) =>
            setTimeout(resolve, waited < SLOW_POLL_AFTER_MS ? POLL_MS : SLOW_POLL_MS),
          );
        }
        return {
          ms: performance.now() - started,
          writes: documentsWritten() - writesBefore,
          workspaces: expected,
          stages: stageTimes(stageLines, started),
        };
      };
      /** Cloud Build reports every build of `commit` done, so that the workspaces are free again. */
      const finishBuilds = async (commit: string) => {
        const builds = cloudBuild.builds.filter((build) => build.substitutions?._COMMIT === commit);
        const topic = functions.topic(CLOUD_BUILDS_TOPIC);
        await Promise.all(
          builds.map((build) => topic.publishMessage({ json: { ...build, status: 'SUCCESS' } })),
        );
        for (;;) {
          const workspaces = await firestoreStore.list(state.paths.workspaces);
          if (workspaces.every((workspace) => workspace.data.running === null)) return;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      };

      const first = await head();
      const cpuBefore = cpuTimes(firestore, pubsub);
      const full = await push('0'.repeat(40), first);
      const cpu = cpuSpent(cpuBefore, cpuTimes(firestore, pubsub));
      await finishBuilds(first);
      // The CODEOWNERS commit the first push made is a push of its own: let it through.
      const afterCodeowners = (await run('git', ['rev-parse', 'main'], { cwd: dir })).stdout.trim();
      if (afterCodeowners !== first) {
        await git('reset', '--quiet', '--hard', afterCodeowners);
        await push(first, afterCodeowners);
      }

      const project = paths.find((path) => /\/project\/[^/]+\.yaml$/.test(path));
      if (project === undefined) throw new Error('no project in the bench organization');
      const samples: Awaited<ReturnType<typeof push>>[] = [];
      let before = await head();
      for (let index = 0; index < Math.max(3, options.iterations); index++) {
        const text = await readFile(join(dir, project), 'utf8');
        await writeFile(
          join(dir, project),
          text.replace(
            '  allowedEgress:\n',
            `  allowedEgress:\n    - api-${String(index)}.bench.example\n`,
          ),
        );
        await git('commit', '--quiet', '-am', `change ${String(index)}`);
        const after = await head();
        samples.push(await push(before, after));
        await finishBuilds(after);
        before = after;
      }
      const sorted = [...samples].sort((a, b) => a.ms - b.ms);
      const median = sorted[Math.floor(sorted.length / 2)] as (typeof samples)[number];
      const p50 = median.ms;
      const writes = samples.map((sample) => sample.writes).sort((a, b) => a - b);
      const targets = [
        target(
          'first push of the whole organization, end to end',
          full.ms,
          MAX_FIRST_PUSH_MS,
          'ms',
        ),
        target(
          'one-manifest push, end to end (p50, warm stages)',
          p50,
          MAX_ONE_MANIFEST_PUSH_MS,
          'ms',
        ),
      ];
      const text = [
        `${thousands(options.manifests)} manifests; emulators started in ${ms(firestore.startupMs)} (Firestore) and ${ms(pubsub.startupMs)} (Pub/Sub), then warmed with ${thousands(warmUp.documents)} writes, ${thousands(warmUp.transactions)} transactions and ${thousands(warmUp.messages)} pushed messages in ${ms(warmUp.ms)}`,
        '',
        formatTable(
          ['push', 'webhook → builds requested', 'documents written', 'workspaces built'],
          [
            [
              'first, whole organization',
              ms(full.ms),
              thousands(full.writes),
              thousands(full.workspaces),
            ],
            ...samples.map((sample, index) => [
              `one manifest #${String(index + 1)}`,
              ms(sample.ms),
              thousands(sample.writes),
              thousands(sample.workspaces),
            ]),
          ],
        ),
        '',
        ...targets.map(
          (item) =>
            `${item.pass ? 'PASS' : 'MISS'}  ${item.name}: ${ms(item.value)} (target ≤ ${ms(item.limit)})`,
        ),
        `INFO  documents written by a one-manifest push (median): ${thousands(writes[Math.floor(writes.length / 2)] ?? 0)}, against ${thousands(full.writes)} for the first push`,
        `INFO  first push, each stage done with its messages (after the webhook): ${formatStages(full.stages)}`,
        `INFO  first push, CPU time spent: ${formatCpu(cpu)}`,
        `INFO  one-manifest push #${String(samples.indexOf(median) + 1)} (the median): ${formatStages(median.stages)}`,
      ].join('\n');
      return {
        text,
        json: { manifests: options.manifests, warmUp, first: { ...full, cpu }, samples, targets },
      };
    } finally {
      console.log = log;
      for (const close of closers.reverse()) await close().catch(() => undefined);
      for (const emulator of emulators) await emulator.stop();
      if (!options.keep) await rm(dir, { recursive: true, force: true });
    }
  },
};

/** The stages, by the topic each reads: what their log lines name them by. */
const STAGE_OF_TOPIC: Readonly<Record<string, string>> = {
  push: 'parse',
  manifests: 'record',
  'desired-state': 'deltas',
  builds: 'builds',
  'cloud-builds': 'build-status',
};

/** The stage a log line of a stage names. */
function stageOf(line: string): string | undefined {
  try {
    const { stage } = JSON.parse(line) as { stage?: unknown };
    return typeof stage === 'string' ? STAGE_OF_TOPIC[stage] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * When each stage finished its last message of a push, in ms after `started`; the builds
 * stage's first message too, since a push's builds come in several messages.
 */
function stageTimes(
  lines: readonly { at: number; stage: string }[],
  started: number,
): Record<string, number> {
  const times: Record<string, number> = {};
  for (const { at, stage } of lines) {
    if (stage === 'builds' && times['builds (first)'] === undefined)
      times['builds (first)'] = at - started;
    times[stage] = at - started;
  }
  return times;
}

function formatStages(times: Readonly<Record<string, number>>): string {
  return Object.entries(times)
    .sort(([, a], [, b]) => a - b)
    .map(([stage, at]) => `${stage} ${ms(at)}`)
    .join(', ');
}

/**
 * CPU time so far, in ms: this process (the stages, and the loopback GitHub and Cloud Build
 * serving them) and each emulator.
 */
function cpuTimes(firestore: RunningEmulator, pubsub: RunningEmulator) {
  const usage = process.cpuUsage();
  return {
    'stage process': (usage.user + usage.system) / 1000,
    'Firestore emulator': processGroupCpuMs(firestore.processGroup),
    'Pub/Sub emulator': processGroupCpuMs(pubsub.processGroup),
  };
}

function cpuSpent(
  before: ReturnType<typeof cpuTimes>,
  after: ReturnType<typeof cpuTimes>,
): Record<string, number> {
  const spent: Record<string, number> = {};
  for (const [name, value] of Object.entries(after)) {
    const start = before[name as keyof typeof before];
    if (value !== undefined && start !== undefined) spent[name] = value - start;
  }
  return spent;
}

/**
 * The CPU each process spent and, when every process was measured, what that allows at best
 * on this machine's cores. Without /proc the emulators' CPU is unknown.
 */
function formatCpu(spent: Readonly<Record<string, number>>): string {
  const each = Object.entries(spent)
    .map(([name, value]) => `${name} ${ms(value)}`)
    .join(', ');
  if (!('Firestore emulator' in spent && 'Pub/Sub emulator' in spent)) {
    return `${each} (the emulators' CPU is not known here)`;
  }
  const total = Object.values(spent).reduce((sum, value) => sum + value, 0);
  const cores = availableParallelism();
  return `${each}; ${ms(total)} in all, so at least ${ms(total / cores)} on ${String(cores)} cores`;
}

/** The store, counting every document it writes: the measure of a push's cost in Firestore. */
function countingStore(store: DocumentStore): { store: DocumentStore; writes: () => number } {
  let writes = 0;
  return {
    writes: () => writes,
    store: {
      get: (path) => store.get(path),
      getAll: (paths) => store.getAll(paths),
      list: (collection) => store.list(collection),
      write: async (batch) => {
        await store.write(batch);
        writes += batch.length;
      },
      transact: async (work) => {
        // A backend may run `work` more than once: only the attempt that committed counts.
        let pending = 0;
        const result = await store.transact((transaction) => {
          pending = 0;
          return work({
            get: (path) => transaction.get(path),
            getAll: (paths) => transaction.getAll(paths),
            set: (path, data) => {
              pending++;
              transaction.set(path, data);
            },
            delete: (path) => {
              pending++;
              transaction.delete(path);
            },
          });
        });
        writes += pending;
        return result;
      },
    },
  };
}
