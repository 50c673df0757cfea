import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { checkPlan } from '../core/plan-guard/check-plan.ts';
import type { PlanRuleId } from '../core/plan-guard/plan-rules.ts';
import type {
  BuildRequest,
  BuildResult,
  BuildRunner,
  BuildStep,
  BuildStepName,
} from '../ports/build-runner.ts';
import { PortError } from '../ports/port-error.ts';
import { mayStillRun, processStart, type RecordedProcess } from './process-liveness.ts';

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
/** A refresh-only plan, apart from the plan a build applies. */
const REFRESH_PLAN_FILE = 'infrastream-refresh.tfplan';

/** The terraform running in a build folder, while it runs: `RunningTerraform`. */
const RUNNING_FILE = 'terraform.running.json';

/** How long a build waits for a terraform a killed run left in its folder. */
const ORPHAN_WAIT_MS = 15 * 60_000;
const ORPHAN_POLL_MS = 200;

/** What a build folder says of the terraform running in it. */
interface RunningTerraform extends RecordedProcess {
  readonly step: BuildStepName;
  readonly startedAt: string;
}

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
 * revision is never applied after a newer one; a plan that changes nothing is not applied,
 * nor one that loses data its manifests do not allow (the plan guard's
 * `plan/protected-destroy`, as the Cloud Build step runs it).
 *
 * Each terraform runs in a process group of its own, writing to files in the build folder
 * rather than to this process: killed, this process leaves it to finish what it started
 * (an apply cut off halfway leaves a locked state and half-made resources). The folder
 * names it while it runs (`terraform.running.json`), and a later build there waits for it,
 * at most `orphanWaitMs`, then reports the folder as blocked: never two terraforms at once.
 */
export function createLocalBuildRunner(options: {
  readonly stateDir: string;
  readonly terraform?: string;
  readonly timeouts?: Partial<StepTimeouts>;
  readonly env?: Readonly<Record<string, string>>;
  readonly orphanWaitMs?: number;
}): BuildRunner {
  const terraform = options.terraform ?? 'terraform';
  const timeouts = { ...defaultTimeouts, ...options.timeouts };
  const orphanWaitMs = options.orphanWaitMs ?? ORPHAN_WAIT_MS;
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

    const orphan = await waitForTerraformIn(request.directory, orphanWaitMs);
    if (orphan !== undefined) {
      return result('failed', {
        reason: `blocked: terraform ${orphan.step} (pid ${orphan.pid}, since ${orphan.startedAt}) still runs in ${request.directory}, left by a run that ended, after ${Math.round(orphanWaitMs / 1000)} s of waiting; let it finish or stop it (kill -- -${orphan.pid}), then build again`,
      });
    }
    const backend = Object.entries(request.backendConfig ?? {}).map(
      ([key, value]) => `-backend-config=${key}=${value}`,
    );
    if (request.refreshOnly === true) return refreshOnly(request, backend, steps, result, failed);
    for (const [name, args] of [
      ['init', ['init', '-input=false', '-no-color', ...backend]],
      ['validate', ['validate', '-no-color']],
      // 0: nothing to change, 2: changes, anything else: an error.
      ['plan', ['plan', '-input=false', '-no-color', '-detailed-exitcode', `-out=${PLAN_FILE}`]],
    ] as const) {
      const { step: done } = await step(name, args, request.directory);
      steps.push(done);
      if (done.exitCode !== 0 && !(name === 'plan' && done.exitCode === 2)) return failed(done);
    }
    const changes = steps.at(-1)?.exitCode === 2;
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
    const lost = dataLossRefusal(planJson);
    if (lost !== undefined) return result('refused', { planJson, planDigest, reason: lost });

    const ledger = await readLedger(request.workspace);
    if (ledger.appliedDigests.includes(planDigest)) {
      return result('refused', {
        planJson,
        planDigest,
        reason: `this plan (${planDigest.slice(0, 12)}) was applied before`,
      });
    }
    const last = ledger.lastApplied;
    if (
      !changes &&
      last !== undefined &&
      last.commit === request.commit &&
      last.sequence === request.sequence
    ) {
      // This revision's apply finished and was recorded here, its outcome lost with a run
      // killed before it wrote it: the workspace is at this revision, there is nothing to do.
      return result('succeeded', { planJson, planDigest });
    }
    if (last !== undefined && request.sequence <= last.sequence) {
      return result('refused', {
        planJson,
        planDigest,
        reason: `commit ${request.commit} (sequence ${request.sequence}) is not newer than ${last.commit} (sequence ${last.sequence}), which is applied`,
      });
    }
    // Nothing to change: the workspace is at this revision already (an apply of a run killed
    // before it recorded it finished meanwhile), which the ledger records all the same.
    if (changes) {
      const { step: apply } = await step(
        'apply',
        ['apply', '-input=false', '-no-color', PLAN_FILE],
        request.directory,
      );
      steps.push(apply);
      if (apply.exitCode !== 0) return failed(apply);
    }
    await writeLedger(request.workspace, {
      lastApplied: { commit: request.commit, sequence: request.sequence, planDigest },
      appliedDigests: [...ledger.appliedDigests, planDigest],
    });
    return result('succeeded', { planJson, planDigest });
  }

  /**
   * A refresh-only plan: what the cloud holds against what Terraform last wrote. It reads
   * and writes no state lock (`-lock=false`: a sweep must never hold up an apply, nor be
   * held up by one) and has no apply step at all.
   */
  async function refreshOnly(
    request: BuildRequest,
    backend: readonly string[],
    steps: BuildStep[],
    result: (status: BuildResult['status'], extra?: Partial<BuildResult>) => BuildResult,
    failed: (last: BuildStep) => BuildResult,
  ): Promise<BuildResult> {
    if (request.apply) {
      return result('refused', { reason: 'a refresh-only build never applies' });
    }
    for (const [name, args] of [
      ['init', ['init', '-input=false', '-no-color', '-lock=false', ...backend]],
      [
        'plan',
        [
          'plan',
          '-refresh-only',
          '-input=false',
          '-no-color',
          '-lock=false',
          '-detailed-exitcode',
          `-out=${REFRESH_PLAN_FILE}`,
        ],
      ],
    ] as const) {
      const { step: done } = await step(name, args, request.directory);
      steps.push(done);
      if (done.exitCode !== 0 && !(name === 'plan' && done.exitCode === 2)) return failed(done);
    }
    const { step: show, stdout } = await step(
      'show',
      ['show', '-json', '-no-color', REFRESH_PLAN_FILE],
      request.directory,
    );
    steps.push(show);
    if (show.exitCode !== 0) return failed(show);
    const planJson: unknown = JSON.parse(
      stdout.split('\n').find((line) => line.startsWith('{')) ?? 'null',
    );
    return result('succeeded', { planJson });
  }
}

/** The plan guard's rule that Cloud Build's check-plan step and this runner both hold to. */
const DATA_LOSS_RULE: PlanRuleId = 'plan/protected-destroy';

/**
 * Why a plan must not be applied because it destroys or replaces data its manifests do not
 * allow to be lost, as the plan guard judges it; undefined when it may be applied. A show
 * that printed no plan is refused too: what it would destroy cannot be known.
 */
function dataLossRefusal(planJson: unknown): string | undefined {
  let errors;
  try {
    errors = checkPlan(planJson).issues.filter(
      (issue) => issue.rule === DATA_LOSS_RULE && issue.severity === 'error',
    );
  } catch (error) {
    return `refused by the plan guard: ${(error as Error).message}`;
  }
  if (errors.length === 0) return undefined;
  return `refused by the plan guard (${DATA_LOSS_RULE}): ${errors.map((issue) => `${issue.address}: ${issue.message}`).join('; ')}`;
}

/**
 * Waits for a terraform a killed run left running in `directory`; returns it if it still
 * runs after `waitMs`. A record whose process ended is removed.
 */
async function waitForTerraformIn(
  directory: string,
  waitMs: number,
): Promise<RunningTerraform | undefined> {
  const file = join(directory, RUNNING_FILE);
  const deadline = performance.now() + waitMs;
  for (;;) {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    const running = JSON.parse(text) as RunningTerraform;
    if (!mayStillRun(running)) {
      await rm(file, { force: true });
      return undefined;
    }
    if (performance.now() >= deadline) return running;
    await new Promise((resolve) => setTimeout(resolve, ORPHAN_POLL_MS));
  }
}

async function runStep(
  name: BuildStepName,
  command: string,
  args: readonly string[],
  cwd: string,
  timeout: number,
  env: Readonly<Record<string, string>>,
): Promise<{ readonly step: BuildStep; readonly stdout: string }> {
  const started = performance.now();
  const logFile = join(cwd, `terraform-${name}.log`);
  // `terraform show -json` prints the plan on stdout, warnings (a missing CLI configuration)
  // on stderr: its stdout is kept apart; every other step's output is one log, in order.
  const stdoutFile = name === 'show' ? join(cwd, `terraform-${name}.json`) : logFile;
  const log = openSync(logFile, 'w');
  const out = stdoutFile === logFile ? log : openSync(stdoutFile, 'w');
  const exit = await new Promise<{ exitCode: number | null; timedOut: boolean; error?: string }>(
    (resolve) => {
      const child = spawn(command, args, {
        cwd,
        env: { ...process.env, ...env },
        detached: true,
        stdio: ['ignore', out, log],
      });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        // The whole process group: terraform's providers are children of terraform.
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      }, timeout);
      // Written at once: the window in which a kill leaves terraform running unnamed is as
      // short as it can be made without a wrapper process.
      const running = join(cwd, RUNNING_FILE);
      if (child.pid !== undefined) {
        const start = processStart(child.pid);
        const record: RunningTerraform = {
          pid: child.pid,
          host: hostname(),
          ...(start === undefined ? {} : { processStart: start }),
          step: name,
          startedAt: new Date().toISOString(),
        };
        // Whole or not at all: a kill halfway through must not leave a record no one can read.
        writeFileSync(`${running}.tmp`, JSON.stringify(record));
        renameSync(`${running}.tmp`, running);
      }
      const finish = (exitCode: number | null, error?: string) => {
        clearTimeout(timer);
        rmSync(running, { force: true });
        resolve({ exitCode: timedOut ? null : exitCode, timedOut, ...(error ? { error } : {}) });
      };
      child.on('error', (error) => {
        finish(null, error.message);
      });
      child.on('close', (code) => {
        finish(code);
      });
    },
  ).finally(() => {
    closeSync(log);
    if (out !== log) closeSync(out);
  });
  const logText = await readFile(logFile, 'utf8');
  const stdout = stdoutFile === logFile ? logText : await readFile(stdoutFile, 'utf8');
  return {
    step: {
      name,
      exitCode: exit.exitCode,
      timedOut: exit.timedOut,
      durationMs: Math.round(performance.now() - started),
      log: (stdoutFile === logFile ? logText : `${stdout}${logText}`)
        .concat(exit.error === undefined ? '' : `\n${exit.error}`)
        .slice(-MAX_LOG),
    },
    stdout,
  };
}
