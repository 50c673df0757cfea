import {
  FINAL_BUILD_STATES,
  type BuildNotification,
} from '../core/contracts/build-notification.ts';
import { DRIFT_REQUESTED_TOPIC } from '../core/contracts/drift-request-message.ts';
import { decodeDriftBuildOutput } from '../core/drift/drift-build-output.ts';
import {
  advanceDriftRun,
  DEFAULT_DRIFT_RUN_TERMS,
  type DriftRunDocument,
} from '../core/drift/drift-run.ts';
import { toData } from './repository-state.ts';
import type { PipelinePorts, StageOutcome } from './stage.ts';
import { repositoryPaths } from './state-documents.ts';

/** `drift-runs/{at}/reports/{workspace}`: what one drift build saw, not yet located. */
export interface DriftReportDocument {
  readonly workspace: string;
  readonly build: string;
  readonly observations: readonly unknown[];
}

/**
 * What build-status does with the notification of a drift build: records, once it has
 * ended, what it saw on its sweep (`drift-runs/{at}`), and asks the drift stage to carry the
 * sweep on. It never reads or writes the workspace's queue: a refresh-only build neither
 * moves the applied revision nor frees or takes the workspace.
 */
export async function reportDriftBuild(
  ports: Pick<PipelinePorts, 'store' | 'publisher' | 'repository'>,
  build: { readonly workspace: string; readonly sweep: string },
  notification: BuildNotification,
): Promise<StageOutcome> {
  const what = `drift build ${notification.id} of ${build.workspace}`;
  if (!FINAL_BUILD_STATES.has(notification.status))
    return { status: 'skipped', detail: `${what} ${notification.status}` };
  const output =
    notification.status === 'SUCCESS'
      ? decodeDriftBuildOutput(notification.results?.buildStepOutputs ?? [], build.workspace)
      : {
          ok: false as const,
          reason: `its build ended ${notification.status}${notification.failureInfo?.detail === undefined ? '' : `: ${notification.failureInfo.detail}`}`,
        };
  const paths = repositoryPaths(ports.repository);
  const recorded = await ports.store.transact(async (transaction) => {
    const run = (await transaction.get(paths.driftRun(build.sweep))) as
      DriftRunDocument | undefined;
    const step = advanceDriftRun(
      run,
      {
        kind: 'reported',
        workspace: build.workspace,
        build: notification.id,
        read: output.ok,
        ...(output.ok ? {} : { reason: output.reason }),
      },
      DEFAULT_DRIFT_RUN_TERMS,
    );
    if (step.run === undefined) return false;
    transaction.set(paths.driftRun(build.sweep), toData(step.run));
    if (output.ok) {
      const report: DriftReportDocument = {
        workspace: build.workspace,
        build: notification.id,
        observations: output.observations,
      };
      transaction.set(paths.driftReport(build.sweep, build.workspace), toData(report));
    }
    return true;
  });
  // Also when repeated: a crash after the transaction must not leave the sweep waiting.
  await ports.publisher.publish(DRIFT_REQUESTED_TOPIC, { version: 1, sweep: build.sweep });
  return recorded
    ? {
        status: 'done',
        detail: `${what} ${notification.status}: ${output.ok ? `${output.observations.length} observations` : `unread, ${output.reason}`}`,
      }
    : { status: 'repeated', detail: `${what} already recorded` };
}
