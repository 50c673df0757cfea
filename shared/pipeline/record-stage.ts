import {
  decodeCommitMessage,
  DESIRED_STATE_TOPIC,
  MANIFESTS_TOPIC,
  type CommitMessage,
} from '../core/contracts/commit-message.ts';
import { hasErrors } from '../core/issues/issue.ts';
import type { DocumentWrite } from '../ports/document-store.ts';
import { graphChanges, type GraphChanges } from './graph-documents.ts';
import { governedState, toData, type RepositoryState } from './repository-state.ts';
import { rejectedMessage, TransientError, type PipelinePorts, type Stage } from './stage.ts';
import type { RecordStage, RepositoryDocument, RevisionPointer } from './state-documents.ts';

/**
 * The record stage: makes a valid commit of the default branch the current revision of the
 * desired state. It takes the revision's sequence number and hands on at once (deltas and
 * builds work from the commit itself, not from these documents), then stores the graph's
 * resources and edges as documents, writing only what the commit changed, and moves the
 * small `current` pointer. A commit that does not descend from the current one (an older
 * push delivered late) is recorded and skipped, unless the push was forced. Plans (other
 * branches) pass through: nothing is recorded for them.
 */
export function createRecordStage(
  ports: Pick<
    PipelinePorts,
    'store' | 'publisher' | 'revisions' | 'source' | 'clock' | 'repository'
  >,
): Stage {
  return async (data) => {
    const decoded = decodeCommitMessage(data);
    if (!decoded.ok) return rejectedMessage(MANIFESTS_TOPIC, decoded.issues);
    const message = decoded.message;
    if (message.action === 'plan') {
      await ports.publisher.publish(DESIRED_STATE_TOPIC, message);
      return { status: 'done', detail: 'plan only: nothing recorded' };
    }
    const state = governedState(ports, message.repository);
    const [commitDocument, repository] = await Promise.all([
      state.commit(message.commit),
      state.repositoryDocument(),
    ]);
    const known = commitDocument?.stages.record;
    if (known !== undefined) {
      const current = repository.current;
      const superseded = known.status === 'recorded' && current?.commit !== message.commit;
      // A forced push is a new decision about a commit that was skipped or superseded before.
      if (!(message.forced && (known.status === 'skipped' || superseded))) {
        if (known.status !== 'recorded') return { status: 'skipped', detail: known.reason ?? '' };
        if (superseded) {
          return {
            status: 'skipped',
            detail: `revision ${String(known.sequence)} is no longer current; only a forced push records it again`,
          };
        }
        await ports.publisher.publish(DESIRED_STATE_TOPIC, message);
        return {
          status: 'repeated',
          detail: `revision ${String(known.sequence)} was recorded before`,
        };
      }
    }

    const head = await ports.revisions.load(message.repository, message.commit, {
      snapshot: message.snapshot,
    });
    if (hasErrors(head.analysis.issues)) {
      // Parse stops invalid commits; a message that claims otherwise is not to be trusted.
      return {
        status: 'rejected',
        detail: `commit ${message.commit} has errors: nothing recorded`,
      };
    }
    const claim = await claimRevision(state, repository, message, ports);
    if (claim.status === 'skipped') {
      await markRecorded(state, message, {
        status: claim.unchanged ? 'unchanged' : 'skipped',
        at: state.now(),
        reason: claim.reason,
      });
      return { status: 'skipped', detail: claim.reason };
    }
    const { revision, previous } = claim;
    await ports.publisher.publish(DESIRED_STATE_TOPIC, message);
    // No message names the snapshot of the revision before: a cold instance parses it.
    const base =
      previous === null
        ? undefined
        : await ports.revisions.load(message.repository, previous.commit);
    const changes = graphChanges(base?.analysis.state, head.analysis.state);
    await ports.store.write(revisionWrites(state, message, revision, previous, changes));
    await markRecorded(
      state,
      message,
      {
        status: 'recorded',
        at: state.now(),
        sequence: revision.sequence,
        previous: previous?.commit ?? null,
      },
      revision,
    );
    await ports.revisions.collectSnapshots(message.commit, revision.sequence);
    const counts = changeCounts(changes);
    return {
      status: 'done',
      detail: `revision ${revision.sequence}: resources +${counts.resources.added} ~${counts.resources.changed} -${counts.resources.removed}`,
    };
  };
}

/** Changes listed per page document: well under Firestore's 1 MiB per document. */
const CHANGES_PER_PAGE = 1000;

type Claim =
  | { readonly status: 'skipped'; readonly reason: string; readonly unchanged: boolean }
  | {
      readonly status: 'claimed';
      readonly revision: RevisionPointer;
      readonly previous: RevisionPointer | null;
    };

/**
 * Takes the next sequence number for the commit and marks the repository as recording it.
 * Recording serializes per repository: while another revision's documents are being
 * written, this one waits (a transient error: the bus delivers it again).
 */
async function claimRevision(
  state: RepositoryState,
  seen: RepositoryDocument,
  message: CommitMessage,
  ports: Pick<PipelinePorts, 'source' | 'store'>,
): Promise<Claim> {
  const recording = seen.recording;
  if (recording !== null && recording.commit === message.commit) {
    // A crash after the claim: take the same claim up again.
    return { status: 'claimed', revision: recording, previous: recording.previous };
  }
  const current = seen.current;
  if (current !== null && current.commit === message.commit) {
    return { status: 'skipped', reason: 'already the current revision', unchanged: true };
  }
  if (current !== null && !message.forced) {
    const descends = await ports.source.isAncestor(
      message.repository,
      current.commit,
      message.commit,
    );
    if (!descends) {
      return {
        status: 'skipped',
        reason: `does not descend from the current revision ${current.commit.slice(0, 7)} and was not forced`,
        unchanged: false,
      };
    }
  }
  return ports.store.transact(async (transaction): Promise<Claim> => {
    const now = await state.repositoryDocument(transaction);
    if (now.recording !== null) {
      throw new TransientError(`revision ${now.recording.commit} is still being recorded`);
    }
    if (now.current?.commit !== current?.commit) {
      throw new TransientError('the current revision moved while this one was checked');
    }
    const previous =
      now.current === null ? null : { commit: now.current.commit, sequence: now.current.sequence };
    const revision = { commit: message.commit, sequence: (previous?.sequence ?? 0) + 1 };
    const updated: RepositoryDocument = { ...now, recording: { ...revision, previous } };
    transaction.set(state.paths.repository, toData(updated));
    return { status: 'claimed', revision, previous };
  });
}

/** The documents of a revision: its record, its changes, and the graph as it now is. */
function revisionWrites(
  state: RepositoryState,
  message: CommitMessage,
  revision: RevisionPointer,
  previous: RevisionPointer | null,
  graph: GraphChanges,
): DocumentWrite[] {
  const { paths } = state;
  const writes: DocumentWrite[] = [];
  const changes: { collection: string; id: string; change: string }[] = [];
  for (const [collection, documents, pathOf] of [
    ['resources', graph.resources, paths.resource],
    ['edges', graph.edges, paths.edge],
  ] as const) {
    for (const [change, entries] of [
      ['added', documents.added],
      ['changed', documents.changed],
    ] as const) {
      for (const [id, document] of entries) {
        writes.push({
          kind: 'set',
          path: pathOf(id),
          data: toData({ ...document, since: revision.commit }),
        });
        changes.push({ collection, id, change });
      }
    }
    for (const id of documents.removed) {
      writes.push({ kind: 'delete', path: pathOf(id) });
      changes.push({ collection, id, change: 'removed' });
    }
  }
  // The list of changes is kept in pages: one document per change would double the writes.
  for (let page = 0; page * CHANGES_PER_PAGE < changes.length; page++) {
    writes.push({
      kind: 'set',
      path: paths.changes(revision.sequence, page),
      data: { changes: changes.slice(page * CHANGES_PER_PAGE, (page + 1) * CHANGES_PER_PAGE) },
    });
  }
  writes.push({
    kind: 'set',
    path: paths.revision(revision.sequence),
    data: toData({
      sequence: revision.sequence,
      commit: revision.commit,
      previous,
      delivery: message.delivery,
      pusher: message.pusher,
      forced: message.forced,
      recordedAt: state.now(),
      changes: changeCounts(graph),
    }),
  });
  return writes;
}

/**
 * Marks the commit's record stage and, for a new revision, makes it current: in one
 * transaction, so that a redelivery finds either both done or neither.
 */
async function markRecorded(
  state: RepositoryState,
  message: CommitMessage,
  stage: RecordStage,
  revision?: RevisionPointer,
): Promise<void> {
  await state.store.transact(async (transaction) => {
    const [repository, stored] = await state.repositoryAndCommit(message.commit, transaction);
    transaction.set(
      state.paths.commit(message.commit),
      toData({
        commit: message.commit,
        ref: message.ref,
        delivery: message.delivery,
        pusher: message.pusher,
        receivedAt: state.now(),
        issues: [],
        issueCount: 0,
        ...stored,
        stages: { ...stored?.stages, record: stage },
      }),
    );
    if (revision !== undefined) {
      const updated: RepositoryDocument = {
        ...repository,
        // The name the newest revision was pushed under: a renamed repository keeps its id.
        owner: state.repository.owner,
        name: state.repository.name,
        current: { ...revision, recordedAt: state.now() },
        recording: null,
      };
      transaction.set(state.paths.repository, toData(updated));
    }
    state.event(transaction, `record ${message.commit}`, {
      type: stage.status === 'recorded' ? 'revision-recorded' : 'revision-skipped',
      commit: message.commit,
      delivery: message.delivery,
      actor: message.pusher,
      message:
        stage.status === 'recorded'
          ? `revision ${stage.sequence ?? ''} is ${message.commit.slice(0, 7)}`
          : `${message.commit.slice(0, 7)} not recorded: ${stage.reason ?? ''}`,
    });
  });
}

function changeCounts(changes: GraphChanges) {
  const count = (documents: GraphChanges['resources'] | GraphChanges['edges']) => ({
    added: documents.added.size,
    changed: documents.changed.size,
    removed: documents.removed.length,
  });
  return { resources: count(changes.resources), edges: count(changes.edges) };
}
