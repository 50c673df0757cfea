import {
  decodeDriftRequest,
  DRIFT_REQUESTED_TOPIC,
} from '../core/contracts/drift-request-message.ts';
import {
  advanceDriftRun,
  DEFAULT_DRIFT_RUN_TERMS,
  type DriftRunDocument,
  type DriftRunEvent,
  type DriftRunStep,
  type DriftRunTerms,
} from '../core/drift/drift-run.ts';
import { scheduledTime, type DriftSchedule } from '../core/drift/drift-schedule.ts';
import type { WorkspaceDocument } from '../core/pipeline/workspace-documents.ts';
import { renderWorkspace } from '../core/render/render-workspace.ts';
import { classifyFailure } from '../ports/classify-failure.ts';
import type { DriftPublisher } from '../ports/drift-publisher.ts';
import type { DriftReader } from '../ports/drift-reader.ts';
import { PortError } from '../ports/port-error.ts';
import { collectDriftSweep } from './drift-collection.ts';
import { toData } from './repository-state.ts';
import type { RevisionLoader } from './revision-loader.ts';
import { rejectedMessage, type PipelinePorts, type Stage, type StageOutcome } from './stage.ts';
import { repositoryPaths } from './state-documents.ts';

/** What the drift stage needs besides the pipeline's ports: where it runs decides. */
export interface DriftStageSettings {
  /** When sweeps are due: a trigger stands for the schedule's latest time before it. */
  readonly schedule: DriftSchedule;
  /** How long a workspace may wait for a revision before the `pipeline` source reports it. */
  readonly maxLagMinutes: number;
  /** The builds in flight and the collection's lease; `DEFAULT_DRIFT_RUN_TERMS` when absent. */
  readonly terms?: DriftRunTerms;
  /**
   * The sources read live by the collecting step (`iam`, `resources`, `github`), which need
   * clients of their own: at the revision the pipeline recorded as current.
   */
  readonly liveReaders: (context: {
    readonly revisions: RevisionLoader;
    readonly head: string;
  }) => readonly DriftReader[];
  /**
   * Where a collected sweep is published (the drift issues and code scanning), with
   * `unlocatedFile` the file findings no manifest declares are shown on; nowhere when absent.
   */
  readonly sweepPublisher?: (context: {
    readonly head: string;
    readonly unlocatedFile: string;
  }) => DriftPublisher;
}

/** How long a sweep waits for its drift builds at most, when no later trigger comes first. */
const DEADLINE_HOURS = 24;

/**
 * The drift stage. On the schedule's trigger (`drift-requested` without a sweep) it claims
 * the scheduled time (`drift-runs/{at}`, created only when absent: a redelivered trigger
 * starts nothing twice), then starts one refresh-only build per applied workspace, at most
 * `window` at a time; build-status records each as it ends and asks again (`drift-requested`
 * naming the sweep), and the stage starts the next ones. Once every build has reported, or
 * when the next trigger comes first, the collecting step reads the other sources and writes
 * the sweep, through the same `runDriftSweep` as `infrastream drift`.
 */
export function createDriftStage(ports: PipelinePorts): Stage {
  const settings = ports.drift;
  const terms = settings?.terms ?? DEFAULT_DRIFT_RUN_TERMS;
  const paths = repositoryPaths(ports.repository);
  return async (data) => {
    const decoded = decodeDriftRequest(data);
    if (!decoded.ok) return rejectedMessage(DRIFT_REQUESTED_TOPIC, decoded.issues);
    if (settings === undefined)
      return { status: 'skipped', detail: 'drift sweeps are not configured here' };
    const now = ports.clock.now();
    const named = decoded.message.sweep;
    if (named !== undefined) {
      const step = await advance(named, { kind: 'nudged', now });
      if (step === undefined) return { status: 'skipped', detail: `no sweep ${named} was claimed` };
      return carryOut(named, step);
    }
    const at = scheduledTime(settings.schedule, now);
    if (at === undefined)
      return {
        status: 'rejected',
        detail: `the schedule "${settings.schedule.expression}" has no time before ${now}`,
      };
    // A sweep still waiting when the next is due is collected with what reported: builds
    // that never reported are unread, and the two never compete for Cloud Build.
    for (const earlier of await ports.store.list(paths.driftRuns)) {
      const run = earlier.data as unknown as DriftRunDocument;
      if (run.at >= at || run.status === 'swept') continue;
      const step = await advance(run.at, { kind: 'nudged', now, due: true });
      if (step !== undefined) await carryOut(run.at, step);
    }
    const workspaces = (await ports.store.list(paths.workspaces))
      .map((entry) => entry.data as unknown as WorkspaceDocument)
      .flatMap((workspace) =>
        workspace.lastApplied === null
          ? []
          : [
              {
                id: workspace.id,
                commit: workspace.lastApplied.commit,
                sequence: workspace.lastApplied.sequence,
              },
            ],
      );
    const deadline = new Date(Date.parse(at) + DEADLINE_HOURS * 3_600_000).toISOString();
    const step = await advance(at, { kind: 'requested', at, now, deadline, workspaces });
    if (step === undefined || step.outcome === 'repeated')
      return { status: 'repeated', detail: `the sweep of ${at} was claimed before` };
    const outcome = await carryOut(at, step);
    return step.outcome === 'claimed'
      ? { status: 'done', detail: `claimed the sweep of ${at}: ${outcome.detail}` }
      : outcome;
  };

  /** Applies one event to the sweep's document in a transaction. */
  async function advance(at: string, event: DriftRunEvent): Promise<DriftRunStep | undefined> {
    return ports.store.transact(async (transaction) => {
      const run = (await transaction.get(paths.driftRun(at))) as DriftRunDocument | undefined;
      if (run === undefined && event.kind !== 'requested') return undefined;
      const step = advanceDriftRun(run, event, terms);
      if (step.run !== undefined) transaction.set(paths.driftRun(at), toData(step.run));
      return step;
    });
  }

  /** Starts the builds a step names, or collects the sweep. */
  async function carryOut(at: string, step: DriftRunStep): Promise<StageOutcome> {
    if (step.collect) {
      const collected = await collectDriftSweep(ports, at);
      await advance(at, { kind: 'swept' });
      return { status: 'done', detail: `collected the sweep of ${at}: ${collected}` };
    }
    if (step.start.length === 0) return { status: 'repeated', detail: `the sweep of ${at} waits` };
    const run = step.run as DriftRunDocument;
    let started = 0;
    for (const [index, id] of step.start.entries()) {
      const workspace = run.workspaces[id];
      if (workspace === undefined) continue;
      try {
        const build = await submitDriftBuild(at, id, workspace.commit, workspace.sequence);
        await advance(at, { kind: 'started', workspace: id, build });
        started += 1;
      } catch (error) {
        const failure = classifyFailure(error);
        // A backend away: this workspace and those after it wait again, and the
        // redelivery starts them.
        if (failure.kind !== 'permanent') {
          for (const deferred of step.start.slice(index))
            await advance(at, { kind: 'start-deferred', workspace: deferred });
          throw error;
        }
        await advance(at, { kind: 'start-failed', workspace: id, reason: failure.reason });
      }
    }
    // Nothing left in flight (every start refused): the sweep is to be collected now.
    if (started === 0)
      await ports.publisher.publish(DRIFT_REQUESTED_TOPIC, { version: 1, sweep: at });
    return {
      status: 'done',
      detail: `started ${started} of ${step.start.length} drift builds of ${at}`,
    };
  }

  /** One refresh-only build of the workspace as rendered at its last applied commit. */
  async function submitDriftBuild(
    at: string,
    workspace: string,
    commit: string,
    sequence: number,
  ): Promise<string> {
    const revision = await ports.revisions.load(ports.repository, commit);
    const model = ports.revisions.model(revision).workspaces.get(workspace);
    if (model === undefined)
      throw new PortError(`${commit} declares no workspace ${workspace}`, 'permanent');
    const build = await ports.builds.submit({
      repository: ports.repository,
      workspace,
      commit,
      sequence,
      apply: false,
      driftSweep: at,
      rootModule: renderWorkspace(revision.analysis.state, model, ports.render, ports.repository),
    });
    return build.id;
  }
}
