import { BUILDS_TOPIC } from '../core/contracts/build-request-message.ts';
import { WORKSPACES_PER_BUILD_MESSAGE } from '../core/contracts/build-request-message.ts';
import {
  DEFAULT_LEASE_TERMS,
  expiredLeases,
  type StalledWorkspace,
} from '../core/pipeline/build-leases.ts';
import { requestHeldBuilds } from './release-gate.ts';
import { governedState } from './repository-state.ts';
import type { PipelinePorts } from './stage.ts';
import type { RepositoryDocument, WorkspaceDocument } from './state-documents.ts';
import { advanceQueues, publishRequests } from './workspace-queue-store.ts';

/** A workspace a sweep found stalled, and what its queue did about it. */
export type ResumedWorkspace = StalledWorkspace & { readonly detail: string };

/**
 * Sweeps the governed repository's workspaces at the clock's now and re-requests those that
 * stalled (see `expiredLeases`): a running build whose lease expired is requested again,
 * and the builds stage takes it over and finishes it without applying twice; a build whose
 * end is already recorded is finished on the spot; a revision left waiting is requested.
 * Safe to run at any time and from anywhere, as often as wanted: a lease that still holds
 * is left alone; the current revision's workspaces held by their release stages are asked
 * for again (the builds stage decides). For a runner starting up (`infrastream run` after a crash) or a schedule.
 *
 * `ownerAlive` voids the leases of owners it says are gone, without waiting for them to
 * expire: a runner holding the state folder's lock knows that no other process is building.
 * Returns the workspaces re-requested, in id order.
 */
export async function resumeBuilds(
  ports: Pick<PipelinePorts, 'store' | 'publisher' | 'clock' | 'repository' | 'builds'>,
  options: {
    readonly ownerAlive?: (owner: string) => boolean;
    /** Which stalled workspaces to take over; all of them by default. */
    readonly include?: (stall: StalledWorkspace) => boolean;
  } = {},
): Promise<ResumedWorkspace[]> {
  const { owner, name } = ports.repository;
  const state = governedState(ports, { owner, name, defaultBranch: '' });
  const repository = (await ports.store.get(state.paths.repository)) as
    RepositoryDocument | undefined;
  if (repository === undefined) return [];
  const terms = ports.builds.leaseTerms ?? DEFAULT_LEASE_TERMS;
  const workspaces = (await ports.store.list(state.paths.workspaces)).map(
    (entry) => entry.data as unknown as WorkspaceDocument,
  );
  const at = state.now();
  const stalled = expiredLeases(workspaces, at, terms, options).filter(
    (stall) => options.include?.(stall) ?? true,
  );
  const resumed: ResumedWorkspace[] = [];
  // As many per transaction as a builds message holds: well within Firestore's limits.
  for (let start = 0; start < stalled.length; start += WORKSPACES_PER_BUILD_MESSAGE) {
    const batch = stalled.slice(start, start + WORKSPACES_PER_BUILD_MESSAGE);
    const steps = await ports.store.transact((transaction) =>
      advanceQueues(
        state,
        transaction,
        batch.map((stall) => ({
          workspace: stall.workspace,
          commit: stall.commit,
          event: { kind: 'lease-expired', at, ownerGone: stall.why === 'owner-gone' },
        })),
        terms,
      ),
    );
    await publishRequests(
      (message) => ports.publisher.publish(BUILDS_TOPIC, message),
      { owner: repository.owner, name: repository.name, defaultBranch: repository.defaultBranch },
      steps,
    );
    batch.forEach((stall, index) => {
      resumed.push({ ...stall, detail: steps[index]?.outcome.detail ?? '' });
    });
  }
  // A crash between a build's end and the request of the stage it released leaves that
  // stage held: builds decides again.
  if (repository.current !== null) {
    await requestHeldBuilds(
      ports,
      { owner: repository.owner, name: repository.name, defaultBranch: repository.defaultBranch },
      repository.current.commit,
    );
  }
  return resumed;
}
