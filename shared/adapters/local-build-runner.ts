import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  BuildRequest,
  BuildResult,
  BuildRunner,
  BuildStep,
  BuildStepName,
} from '../ports/build-runner.ts';
import { PortError } from '../ports/port-error.ts';

/** How long each step may take before it is killed. */
export type StepTimeouts = Readonly<Record<BuildStepName, number>>;

const defaultTimeouts: StepTimeouts = {
  init: 10 * 60_000,
  validate: 2 * 60_000,
  plan: 30 * 60_000,
  show: 2 * 60_000,
  apply: 60 * 60_000,
};

/** Logs longer than this keep their tail, where the error is. */
const MAX_LOG = 256 * 1024;

const PLAN_FILE = 'infrastream.tfplan';

/** What the ledger of a workspace remembers of its applies. */
interface Ledger {
  readonly lastApplied?: {
    readonly commit: string;
    readonly sequence: number;
    readonly planDigest: string;
  };
  readonly appliedDigests: readonly string[];
}

/**
 * The embedded build runner: runs `terraform` as local processes, step by step, each with
 * a timeout, capturing its log and exit code. A ledger per workspace (under `stateDir`)
 * records what was applied, so that a plan is never applied twice and a plan of an older
 * revision is never applied after a newer one.
 */
export function createLocalBuildRunner(options: {
  readonly stateDir: string;
  readonly terraform?: string;
  readonly timeouts?: Partial<StepTimeouts>;
  readonly env?: Readonly<Record<string, string>>;
}): BuildRunner {
  const terraform = options.terraform ?? 'terraform';
  const timeouts = { ...defaultTimeouts, ...options.timeouts };
  const ledgerFile = (workspace: string) => join(options.stateDir, 'ledgers', `${workspace}.json`);

  const readLedger = async (workspace: string): Promise<Ledger> => {
    const file = ledgerFile(workspace);
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) return { appliedDigests: [] };
    try {
      return JSON.parse(text) as Ledger;
    } catch (error) {
      // It is what keeps a plan from being applied twice: never guessed past, never retried.
      throw new PortError(
        `the ledger ${file} is not JSON (${(error as Error).message}); repair it from the workspace's applied builds`,
        'permanent',
        { cause: error },
      );
    }
  };
  const writeLedger = async (workspace: string, ledger: Ledger) => {
    const file = ledgerFile(workspace);
    await mkdir(join(options.stateDir, 'ledgers'), { recursive: true });
    // Written aside and renamed: a crash leaves the old ledger or the new, never half.
    await writeFile(`${file}.tmp`, JSON.stringify(ledger, null, 2));
    await rename(`${file}.tmp`, file);
  };

  const step = (name: BuildStepName, args: readonly string[], directory: string) =>
    runStep(name, terraform, args, directory, timeouts[name], {
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      ...options.env,
    });

  // Builds of one workspace run one after the other: the ledger is read, then written.
  const queues = new Map<string, Promise<unknown>>();
  const serialized = <T>(workspace: string, task: () => Promise<T>): Promise<T> => {
    const next = (queues.get(workspace) ?? Promise.resolve()).then(task, task);
    queues.set(
      workspace,
      next.catch(() => undefined),
    );
    return next;
  };

  return {
    run: (request) => serialized(request.workspace, () => build(request)),
  };

  async function build(request: BuildRequest): Promise<BuildResult> {
    const steps: BuildStep[] = [];
    const result = (
      status: BuildResult['status'],
      extra: Partial<BuildResult> = {},
    ): BuildResult => ({
      workspace: request.workspace,
      commit: request.commit,
      status,
      steps,
      ...extra,
    });
    const failed = (last: BuildStep) =>
      result('failed', {
        reason: `terraform ${last.name} ${last.timedOut ? 'timed out' : `exited with ${String(last.exitCode)}`}`,
      });

    const backend = Object.entries(request.backendConfig ?? {}).map(
      ([key, value]) => `-backend-config=${key}=${value}`,
    );
    for (const [name, args] of [
      ['init', ['init', '-input=false', '-no-color', ...backend]],
      ['validate', ['validate', '-no-color']],
      ['plan', ['plan', '-input=false', '-no-color', `-out=${PLAN_FILE}`]],
    ] as const) {
      const { step: done } = await step(name, args, request.directory);
      steps.push(done);
      if (done.exitCode !== 0) return failed(done);
    }
    const planDigest = createHash('sha256')
      .update(await readFile(join(request.directory, PLAN_FILE)))
      .digest('hex');
    const { step: show, stdout } = await step(
      'show',
      ['show', '-json', '-no-color', PLAN_FILE],
      request.directory,
    );
    steps.push(show);
    if (show.exitCode !== 0) return failed(show);
    // The plan is the one JSON line; terraform may print warnings around it.
    const planJson: unknown = JSON.parse(
      stdout.split('\n').find((line) => line.startsWith('{')) ?? 'null',
    );
    if (!request.apply) return result('succeeded', { planJson, planDigest });

    const ledger = await readLedger(request.workspace);
    if (ledger.appliedDigests.includes(planDigest)) {
      return result('refused', {
        planJson,
        planDigest,
        reason: `this plan (${planDigest.slice(0, 12)}) was applied before`,
      });
    }
    const last = ledger.lastApplied;
    if (last !== undefined && request.sequence <= last.sequence) {
      return result('refused', {
        planJson,
        planDigest,
        reason: `commit ${request.commit} (sequence ${request.sequence}) is not newer than ${last.commit} (sequence ${last.sequence}), which is applied`,
      });
    }
    const { step: apply } = await step(
      'apply',
      ['apply', '-input=false', '-no-color', PLAN_FILE],
      request.directory,
    );
    steps.push(apply);
    if (apply.exitCode !== 0) return failed(apply);
    await writeLedger(request.workspace, {
      lastApplied: { commit: request.commit, sequence: request.sequence, planDigest },
      appliedDigests: [...ledger.appliedDigests, planDigest],
    });
    return result('succeeded', { planJson, planDigest });
  }
}

function runStep(
  name: BuildStepName,
  command: string,
  args: readonly string[],
  cwd: string,
  timeout: number,
  env: Readonly<Record<string, string>>,
): Promise<{ readonly step: BuildStep; readonly stdout: string }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    const stdout: Buffer[] = [];
    const append = (chunk: Buffer) => {
      log += chunk.toString('utf8');
      if (log.length > 2 * MAX_LOG) log = log.slice(-MAX_LOG);
    };
    // stdout is kept whole as well: `terraform show -json` prints the plan there, and
    // warnings (a missing CLI configuration) go to stderr.
    child.stdout.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      append(chunk);
    });
    child.stderr.on('data', append);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      // The whole process group: terraform's providers are children of terraform.
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, timeout);
    const finish = (exitCode: number | null, extra = '') => {
      clearTimeout(timer);
      resolve({
        step: {
          name,
          exitCode: timedOut ? null : exitCode,
          timedOut,
          durationMs: Math.round(performance.now() - started),
          log: (log + extra).slice(-MAX_LOG),
        },
        stdout: Buffer.concat(stdout).toString('utf8'),
      });
    };
    child.on('error', (error) => {
      finish(null, `\n${error.message}`);
    });
    child.on('close', (code) => {
      finish(code);
    });
  });
}
