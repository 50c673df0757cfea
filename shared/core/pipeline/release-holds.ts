import { stageLabel, type ReleaseStage } from './release-stages.ts';
import type { BuildDocumentStatus } from './workspace-documents.ts';
import { isRetriable } from './workspace-queue.ts';

/** An approval of a revision's release, as recorded. */
export interface ReleaseApproval {
  /** A GitHub login, or for an operator's release whoever the CLI says ran it. */
  readonly login: string;
  readonly at: string;
  /**
   * Set for an operator's explicit release of one stage (`infrastream release`): it releases
   * that stage whoever ran it. Unset: an approval on GitHub, which counts for every stage
   * whose stakeholders include the login.
   */
  readonly stage?: string;
}

/** Why a workspace may not start yet. */
export interface ReleaseHold {
  /** `earlier-failed`: a workspace of an earlier stage failed; `approval`: its stage awaits one. */
  readonly kind: 'earlier-stage' | 'earlier-failed' | 'approval';
  /** The stage that holds it, as `stageLabel` names it. */
  readonly stage: string;
  /** One sentence, for the build document, the apply check and `run`. */
  readonly reason: string;
}

/** Where a stage stands. */
export interface StageRelease {
  readonly stage: string;
  readonly state: 'released' | 'earlier-stage' | 'earlier-failed' | 'approval';
  /** The logins whose approvals count for it (or the operator who released it). */
  readonly approvedBy: readonly string[];
}

/** What the stages let the revision's workspaces do. */
export interface ReleaseDecision {
  /** The workspaces that may not start, and why; any other may. */
  readonly held: ReadonlyMap<string, ReleaseHold>;
  readonly stages: readonly StageRelease[];
}

/** What a revision's release is decided from. */
export interface ReleaseInput {
  readonly stages: readonly ReleaseStage[];
  /** The status of each of the revision's builds that has one. */
  readonly outcomes: ReadonlyMap<string, BuildDocumentStatus>;
  readonly approvals: readonly ReleaseApproval[];
  /** Who pushed the revision: never an approver of it. */
  readonly pusher?: string;
}

const PRECEDENCE: Record<ReleaseHold['kind'], number> = {
  'earlier-failed': 0,
  'earlier-stage': 1,
  approval: 2,
};

/**
 * Which of a revision's workspaces may start, in its release tracks' stage order: a stage's
 * workspaces wait until every workspace of the track's earlier stages applied at this
 * revision (a failure holds them, and says so), then, when its approval policy names
 * stakeholders, until `minApprovals` of them approved the revision. An approval counts when
 * its login is one of the stage's approvers and not the pusher; an operator's release of the
 * stage releases it. A workspace in several stages (tracks that share an environment) waits
 * for all of them. The table in docs/pipeline.md lists every transition.
 */
export function releaseHolds(input: ReleaseInput): ReleaseDecision {
  const pusher = input.pusher?.toLowerCase();
  const held = new Map<string, ReleaseHold>();
  const stages: StageRelease[] = [];
  const byTrack = new Map<string, ReleaseStage[]>();
  for (const stage of input.stages) {
    const track = byTrack.get(stage.track);
    if (track === undefined) byTrack.set(stage.track, [stage]);
    else track.push(stage);
  }
  for (const stage of input.stages) {
    const label = stageLabel(stage);
    const earlier = (byTrack.get(stage.track) ?? [])
      .filter((other) => other.position < stage.position)
      .flatMap((other) => other.workspaces.map((workspace) => ({ workspace, other })));
    const failed = earlier.find(({ workspace }) => {
      const status = input.outcomes.get(workspace);
      return status !== undefined && isRetriable(status);
    });
    const waiting = earlier.find(({ workspace }) => input.outcomes.get(workspace) !== 'SUCCESS');
    let hold: ReleaseHold | undefined;
    let approvedBy: string[] = [];
    if (failed !== undefined) {
      hold = {
        kind: 'earlier-failed',
        stage: label,
        reason: `held: ${failed.workspace} of stage ${stageLabel(failed.other)} failed, and stage ${label} applies only after it`,
      };
    } else if (waiting !== undefined) {
      hold = {
        kind: 'earlier-stage',
        stage: label,
        reason: `held: stage ${label} waits for ${waiting.workspace} of stage ${stageLabel(waiting.other)} to apply`,
      };
    } else {
      const released = input.approvals.find((approval) => approval.stage === label);
      const approval = stage.approval;
      if (released !== undefined) {
        approvedBy = [released.login];
      } else if (approval !== undefined) {
        const approvers = new Set(approval.approvers);
        approvedBy = [
          ...new Set(
            input.approvals
              .filter((given) => given.stage === undefined)
              .map((given) => given.login.toLowerCase())
              .filter((login) => approvers.has(login) && login !== pusher),
          ),
        ];
        if (approvedBy.length < approval.minApprovals) {
          hold = {
            kind: 'approval',
            stage: label,
            reason: `held: stage ${label} waits for ${approval.minApprovals - approvedBy.length} more approval${approval.minApprovals - approvedBy.length === 1 ? '' : 's'} from ${approval.groups.join(' or ')}${approvedBy.length === 0 ? '' : ` (approved by ${approvedBy.join(', ')})`}`,
          };
        }
      }
    }
    stages.push({ stage: label, state: hold?.kind ?? 'released', approvedBy });
    if (hold === undefined) continue;
    for (const workspace of stage.workspaces) {
      const before = held.get(workspace);
      if (before === undefined || PRECEDENCE[hold.kind] < PRECEDENCE[before.kind]) {
        held.set(workspace, hold);
      }
    }
  }
  return { held, stages };
}
