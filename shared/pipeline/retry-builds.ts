import { BUILDS_TOPIC, buildRequests } from '../core/contracts/build-request-message.ts';
import type { MessageRepository } from '../core/contracts/fields.ts';
import { isRetriable } from '../core/pipeline/workspace-queue.ts';
import type { BuildDocument } from '../core/pipeline/workspace-documents.ts';
import { governedState } from './repository-state.ts';
import type { PipelinePorts } from './stage.ts';

/** What a request to build failed workspaces again came to. */
export type RetryRequest =
  /** `workspaces` are requested again, as new attempts, at the revision `sequence`. */
  | {
      readonly kind: 'requested';
      readonly sequence: number;
      readonly workspaces: readonly string[];
    }
  /** Nothing is requested, and `detail` says why. */
  | { readonly kind: 'none'; readonly detail: string };

/**
 * Requests again the builds of `commit` that failed or were refused (or the one of
 * `workspace`), when it is still the current revision: an older revision's failure is not
 * built again over a newer one. The builds stage hands each to its workspace's queue as a
 * retry (`retry-requested`), which starts it as the next attempt unless something newer
 * runs or was applied meanwhile.
 */
export async function requestRetries(
  ports: Pick<PipelinePorts, 'store' | 'publisher' | 'clock' | 'repository'>,
  repository: MessageRepository,
  commit: string,
  options: { readonly workspace?: string } = {},
): Promise<RetryRequest> {
  const state = governedState(ports, repository);
  // As messages name it: the state's repository may carry its GitHub id as well.
  const named = {
    owner: repository.owner,
    name: repository.name,
    defaultBranch: repository.defaultBranch,
  };
  const [stored, found] = await state.repositoryAndCommit(commit);
  const current = stored.current;
  const short = commit.slice(0, 7);
  if (current?.commit !== commit) {
    return {
      kind: 'none',
      detail: `${short} is not the current revision${current === null ? '' : ` (${current.commit.slice(0, 7)} is)`}: only its failed builds are built again`,
    };
  }
  const deltas = found?.stages.deltas;
  const workspaces = (deltas?.sequence === current.sequence ? deltas.workspaces : []).filter(
    (workspace) => options.workspace === undefined || workspace === options.workspace,
  );
  if (options.workspace !== undefined && workspaces.length === 0) {
    return {
      kind: 'none',
      detail: `${options.workspace} has no build at ${short}: the revision did not change it`,
    };
  }
  const builds = (await ports.store.getAll(
    workspaces.map((workspace) => state.paths.build(workspace, commit)),
  )) as (BuildDocument | undefined)[];
  const failed = builds.filter(
    (build): build is BuildDocument =>
      build?.sequence === current.sequence && isRetriable(build.status),
  );
  if (failed.length === 0) {
    return {
      kind: 'none',
      detail: `no build of ${options.workspace ?? 'revision'} ${current.sequence} (${short}) failed`,
    };
  }
  for (const apply of [true, false]) {
    const group = failed.filter((build) => build.apply === apply).map((build) => build.workspace);
    if (group.length === 0) continue;
    const messages = buildRequests(
      { repository: named, commit, sequence: current.sequence, apply, retry: true },
      group,
    );
    await Promise.all(messages.map((message) => ports.publisher.publish(BUILDS_TOPIC, message)));
  }
  return {
    kind: 'requested',
    sequence: current.sequence,
    workspaces: failed.map((build) => build.workspace),
  };
}
