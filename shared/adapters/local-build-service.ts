import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  attemptTag,
  BUILD_SUBSTITUTIONS,
  CLOUD_BUILDS_TOPIC,
  type BuildNotification,
} from '../core/contracts/build-notification.ts';
import { planChangeCounts } from '../core/pipeline/plan-change-counts.ts';
import { terraformErrorLines } from '../core/pipeline/terraform-error-lines.ts';
import type { BuildResult, BuildRunner } from '../ports/build-runner.ts';
import type { BuildService, BuildSubmission, SubmittedBuild } from '../ports/build-service.ts';
import type { Clock } from '../ports/clock.ts';
import type { Publisher } from '../ports/publisher.ts';

/**
 * The embedded {@link BuildService}: writes each rendered workspace to
 * `<directory>/<workspace>/<commit>/main.tf.json` and, for builds that apply, runs Terraform
 * through the local build runner. Its outcome is published on `cloud-builds` in Cloud
 * Build's format, so that the same build-status stage records it. A build that plans only is
 * rendered and recorded without running Terraform: the google provider and the state bucket
 * are needed to plan, and a machine without them can still see what would be built.
 */
export class LocalBuildService implements BuildService {
  readonly #directory: string;
  readonly #runner: BuildRunner | undefined;
  readonly #publisher: Publisher;
  readonly #clock: Clock;

  constructor(options: {
    readonly directory: string;
    /** Runs Terraform for builds that apply; without one, no build applies. */
    readonly runner?: BuildRunner;
    readonly publisher: Publisher;
    readonly clock: Clock;
  }) {
    this.#directory = options.directory;
    this.#runner = options.runner;
    this.#publisher = options.publisher;
    this.#clock = options.clock;
  }

  async submit(request: BuildSubmission): Promise<SubmittedBuild> {
    // A retry (attempt 2 and on) is a new build; a first attempt keeps the id it always had.
    const attempt = attemptTag(request.attempt ?? 1);
    const key = `${request.repository.owner}/${request.repository.name} ${request.workspace} ${request.commit} ${request.sequence}${attempt === undefined ? '' : ` ${attempt}`}`;
    const id = `local-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
    const folder = this.#folder(request);
    const resultFile = join(folder, 'build.json');
    const known = await readFile(resultFile, 'utf8').catch(() => undefined);
    const knownStatus = known === undefined ? undefined : statusOf(known);
    if (knownStatus !== undefined) {
      // Its outcome, for a takeover: the notification may have been lost with a crash.
      return { id, logUrl: resultFile, status: knownStatus };
    }
    // No outcome, or one a crash cut short: no notification will ever come for this build,
    // so it is built again; the runner's ledger keeps it from applying anything twice.

    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'main.tf.json'), request.rootModule);
    let status: BuildNotification['status'] = 'SUCCESS';
    let outcome: Partial<BuildNotification> = {};
    let detail: unknown = {
      rendered: join(folder, 'main.tf.json'),
      terraform: 'not run: plan only',
    };
    if (request.apply) {
      if (this.#runner === undefined) {
        status = 'FAILURE';
        detail = { error: 'no build runner: nothing can be applied here' };
        outcome = { failureInfo: { detail: 'no build runner: nothing can be applied here' } };
      } else {
        const result = await this.#runner.run({
          workspace: request.workspace,
          commit: request.commit,
          sequence: request.sequence,
          directory: folder,
          apply: true,
        });
        status = result.status === 'succeeded' ? 'SUCCESS' : 'FAILURE';
        detail = result;
        outcome = notificationOutcome(result);
      }
    }
    const notification: BuildNotification = {
      id,
      status,
      substitutions: {
        [BUILD_SUBSTITUTIONS.repository]: `${request.repository.owner}/${request.repository.name}`,
        ...(request.repository.id === undefined
          ? {}
          : { [BUILD_SUBSTITUTIONS.repositoryId]: String(request.repository.id) }),
        [BUILD_SUBSTITUTIONS.workspace]: request.workspace,
        [BUILD_SUBSTITUTIONS.commit]: request.commit,
        [BUILD_SUBSTITUTIONS.sequence]: String(request.sequence),
        [BUILD_SUBSTITUTIONS.apply]: String(request.apply),
      },
      tags: ['infrastream', ...(attempt === undefined ? [] : [attempt])],
      logUrl: resultFile,
      finishTime: this.#clock.now(),
      steps: [],
      ...outcome,
    };
    // Written aside and renamed: a crash leaves no outcome or the whole of it, never half.
    await writeFile(`${resultFile}.tmp`, `${JSON.stringify({ notification, detail }, null, 2)}\n`);
    await rename(`${resultFile}.tmp`, resultFile);
    await this.#publisher.publish(CLOUD_BUILDS_TOPIC, notification);
    return { id, logUrl: resultFile };
  }

  #folder(build: BuildKey): string {
    const attempt = attemptTag(build.attempt ?? 1);
    const name = `${build.commit}-${build.sequence}${attempt === undefined ? '' : `-${attempt}`}`;
    return join(this.#directory, build.workspace, name);
  }
}

/** One build of one workspace at one revision, as the builds folder names it. */
export interface BuildKey {
  readonly workspace: string;
  readonly commit: string;
  readonly sequence: number;
  /** Absent or 1 for a first attempt; a retry is built in a folder of its own. */
  readonly attempt?: number;
}

/**
 * A local build's steps, failure and change counts in the fields Cloud Build reports them
 * in, so that build-status reads both alike: the failed step's Terraform error lines stand
 * for Cloud Build's `failureInfo.detail`, and the plan's counts are the `show` step's output.
 */
function notificationOutcome(result: BuildResult): Partial<BuildNotification> {
  const steps = result.steps.map((step) => ({
    id: step.name,
    status:
      step.exitCode === 0 || (step.name === 'plan' && step.exitCode === 2)
        ? 'SUCCESS'
        : step.timedOut
          ? 'TIMEOUT'
          : 'FAILURE',
  }));
  const failed = result.status === 'failed' ? result.steps.at(-1) : undefined;
  const errorLines = failed === undefined ? '' : terraformErrorLines(failed.log);
  // Terraform's own words when it printed an error; the runner's sentence when it did not.
  const reason = errorLines === '' ? (result.reason ?? '') : errorLines;
  const changes = planChangeCounts(result.planJson);
  return {
    steps,
    ...(result.status === 'succeeded' ? {} : { failureInfo: { detail: reason } }),
    ...(changes === undefined
      ? {}
      : {
          results: {
            buildStepOutputs: steps.map((step) =>
              step.id === 'show' ? Buffer.from(JSON.stringify(changes)).toString('base64') : '',
            ),
          },
        }),
  };
}

/** The state a build result file records, unless it is unreadable (cut short by a crash). */
function statusOf(text: string): BuildNotification['status'] | undefined {
  try {
    return (JSON.parse(text) as { notification?: BuildNotification }).notification?.status;
  } catch {
    return undefined;
  }
}
