import type { BuildRequestMessage } from '../core/contracts/build-request-message.ts';
import type { SubmittedBuild } from '../ports/build-service.ts';
import type { StageOutcome } from './stage.ts';

/** One workspace of a `builds` message. */
export type WorkspaceBuild = Omit<BuildRequestMessage, 'version' | 'workspaces'> & {
  readonly workspace: string;
};

/** What the workspace lets a build request do. */
export type Decision =
  /** `resumed`: an earlier attempt took the workspace and may have reached the backend. */
  | { readonly kind: 'start'; readonly resumed: boolean }
  | { readonly kind: 'running'; readonly detail: string }
  | { readonly kind: 'queued'; readonly detail: string }
  | { readonly kind: 'superseded'; readonly detail: string }
  /** A retry the queue turned down: the build did not fail, or another one runs. */
  | { readonly kind: 'declined'; readonly detail: string };

/** What became of a build the stage set out to start. */
export type Started =
  | { readonly request: WorkspaceBuild; readonly kind: 'submitted'; readonly build: SubmittedBuild }
  | { readonly request: WorkspaceBuild; readonly kind: 'gone' }
  /** The backend refused it for good (a permanent failure): recorded, never retried. */
  | { readonly request: WorkspaceBuild; readonly kind: 'refused'; readonly reason: string }
  | { readonly request: WorkspaceBuild; readonly kind: 'failed'; readonly error: unknown };

/**
 * One line for the whole message: what was started, queued, superseded or already running;
 * `rejected` when a build was refused, which is an error to look at.
 */
export function buildsOutcome(
  requests: readonly WorkspaceBuild[],
  decisions: readonly Decision[],
  started: readonly Started[],
): StageOutcome {
  const refused = started.flatMap((result) => (result.kind === 'refused' ? [result] : []));
  if (requests.length === 1) {
    const [decision] = decisions;
    const [result] = started;
    if (result?.kind === 'submitted')
      return { status: 'done', detail: `build ${result.build.id} started` };
    if (result?.kind === 'gone')
      return {
        status: 'skipped',
        detail: `workspace ${result.request.workspace} no longer exists`,
      };
    if (result?.kind === 'refused')
      return { status: 'rejected', detail: `the build was refused: ${result.reason}` };
    if (decision?.kind === 'superseded' || decision?.kind === 'declined')
      return { status: 'skipped', detail: decision.detail };
    if (decision?.kind === 'running') return { status: 'repeated', detail: decision.detail };
    return { status: 'done', detail: decision?.kind === 'queued' ? decision.detail : '' };
  }
  const count = (kind: Decision['kind']) =>
    decisions.filter((decision) => decision.kind === kind).length;
  const submitted = started.filter((result) => result.kind === 'submitted').length;
  const gone = started.length - submitted - refused.length;
  const detail = [
    `${submitted} builds started`,
    ...(count('queued') > 0 ? [`${count('queued')} queued`] : []),
    ...(count('superseded') + gone > 0 ? [`${count('superseded') + gone} superseded`] : []),
    ...(count('running') > 0 ? [`${count('running')} already running`] : []),
    ...(count('declined') > 0 ? [`${count('declined')} declined`] : []),
    ...(refused[0] === undefined
      ? []
      : [`${refused.length} refused (${refused[0].request.workspace}: ${refused[0].reason})`]),
  ].join(', ');
  if (refused.length > 0) return { status: 'rejected', detail };
  if (count('running') === requests.length) return { status: 'repeated', detail };
  if (submitted === 0 && count('queued') === 0) return { status: 'skipped', detail };
  return { status: 'done', detail };
}
