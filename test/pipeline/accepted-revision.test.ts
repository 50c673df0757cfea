import { describe, expect, it } from 'vitest';
import { SqliteDocumentStore } from '../../shared/adapters/sqlite-document-store.ts';
import { acceptedRevision } from '../../shared/pipeline/accepted-revision.ts';
import { RepositoryState, toData } from '../../shared/pipeline/repository-state.ts';
import { TransientError } from '../../shared/pipeline/stage.ts';
import type { CommitDocument, DeltasStage } from '../../shared/pipeline/state-documents.ts';

const REPOSITORY = { owner: 'acme', name: 'platform', defaultBranch: 'main' } as const;
const RECORDED_AT = '2026-01-01T00:00:00.000Z';
const sha = (digit: string) => digit.repeat(40);

/** A state whose clock reads `minutes` after the revisions were recorded. */
function stateAt(minutes: number): RepositoryState {
  const now = new Date(Date.parse(RECORDED_AT) + minutes * 60_000).toISOString();
  return new RepositoryState(new SqliteDocumentStore({ file: ':memory:' }), REPOSITORY, {
    now: () => now,
  });
}

/** Revision `sequence` of commit `commit`, after `previous`, with its deltas as given. */
async function revision(
  state: RepositoryState,
  commit: string,
  sequence: number,
  previous: string | null,
  outcome: Partial<DeltasStage> | 'pending' | 'failed',
): Promise<void> {
  const document: CommitDocument = {
    commit,
    ref: 'refs/heads/main',
    delivery: `delivery-${sequence}`,
    pusher: 'octocat',
    receivedAt: RECORDED_AT,
    issues: [],
    issueCount: 0,
    stages: {
      record: { status: 'recorded', at: RECORDED_AT, sequence, previous },
      ...(typeof outcome === 'string'
        ? {}
        : {
            deltas: {
              at: RECORDED_AT,
              sequence,
              workspaces: [],
              codeowners: 'unchanged',
              summary: {},
              ...outcome,
            },
          }),
    },
    ...(outcome === 'failed'
      ? { failures: { deltas: { at: RECORDED_AT, reason: 'GitHub refused for good' } } }
      : {}),
  };
  await state.store.write([
    { kind: 'set', path: state.paths.commit(commit), data: toData(document) },
  ]);
}

const REFUSAL = { reason: 'refused, nothing applied', issues: [] };

describe('the revision the next one is planned against', () => {
  it('is the revision before it when its plan was accepted', async () => {
    const state = stateAt(1);
    await revision(state, sha('1'), 1, null, {});
    expect(await acceptedRevision(state, sha('1'))).toBe(sha('1'));
    expect(await acceptedRevision(state, null)).toBeNull();
  });

  it('is the base a refused revision was itself planned against, or the revision before it', async () => {
    const state = stateAt(1);
    await revision(state, sha('1'), 1, null, {});
    await revision(state, sha('2'), 2, sha('1'), { refused: REFUSAL, base: sha('1') });
    await revision(state, sha('3'), 3, sha('2'), { refused: REFUSAL, base: sha('1') });
    expect(await acceptedRevision(state, sha('3'))).toBe(sha('1'));
    // Written before the base was kept: walked back through the revisions before.
    await revision(state, sha('4'), 4, sha('3'), { refused: REFUSAL });
    expect(await acceptedRevision(state, sha('4'))).toBe(sha('1'));
    await revision(state, sha('5'), 1, null, { refused: REFUSAL });
    expect(await acceptedRevision(state, sha('5'))).toBeNull();
  });

  it('waits for the deltas of the revision before it, then passes over it once they are long overdue', async () => {
    const early = stateAt(5);
    await revision(early, sha('1'), 1, null, {});
    await revision(early, sha('2'), 2, sha('1'), 'pending');
    await expect(acceptedRevision(early, sha('2'))).rejects.toThrow(TransientError);
    const late = stateAt(31);
    await revision(late, sha('1'), 1, null, {});
    await revision(late, sha('2'), 2, sha('1'), 'pending');
    expect(await acceptedRevision(late, sha('2'))).toBe(sha('1'));
  });

  it('passes over a revision whose deltas failed for good, and one recorded again under a newer number', async () => {
    const state = stateAt(1);
    await revision(state, sha('1'), 1, null, {});
    await revision(state, sha('2'), 2, sha('1'), 'failed');
    expect(await acceptedRevision(state, sha('2'))).toBe(sha('1'));
    // Its deltas are of the revision it was before: the new one's are still to come.
    await revision(state, sha('3'), 4, sha('1'), { sequence: 3 });
    await expect(acceptedRevision(state, sha('3'))).rejects.toThrow(TransientError);
  });
});
