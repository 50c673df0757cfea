import type { RepositoryState } from './repository-state.ts';
import { TransientError } from './stage.ts';

/**
 * How long a revision's deltas may stay undone before the revisions after it stop waiting
 * for them: a deltas message dead-lettered without a recorded failure would otherwise hold
 * every later revision back for good. Well past Pub/Sub's retries of a slow large push.
 */
const DELTAS_WAIT_MS = 30 * 60 * 1000;

/** Revisions walked back at most: each refused one names its own base, so few are. */
const MAX_STEPS = 100;

/**
 * The revision a new one is planned against: `candidate` (the revision recorded before it,
 * or the current one for another branch's plan) when its plan was accepted, else the last
 * accepted revision before it, or null when there is none.
 *
 * A revision whose plan refused data loss is recorded, so that operators see it and why, but
 * nothing of it was built: planned against it, the next revision would leave out its
 * changes, and with them the data loss the guard refused (a fix that only adds the allowance
 * would plan no change at all and apply nothing). A revision whose deltas failed for good, or
 * never ended, is walked past as well: an older base only widens the plan, which rebuilds
 * more than needed but never less. A revision whose deltas are still to come is waited for
 * (a transient error: the bus delivers the message again), up to `DELTAS_WAIT_MS`.
 */
export async function acceptedRevision(
  state: RepositoryState,
  candidate: string | null,
): Promise<string | null> {
  let sha = candidate;
  for (let step = 0; sha !== null && step < MAX_STEPS; step++) {
    const commit = await state.commit(sha);
    const record = commit?.stages.record;
    // Not a revision this pipeline recorded (an older state): compared with as it is.
    if (record?.status !== 'recorded' || record.sequence === undefined) return sha;
    const deltas = commit?.stages.deltas;
    if (deltas !== undefined && deltas.sequence === record.sequence) {
      if (deltas.refused === undefined) return sha;
      // Its base was chosen the same way: already the last accepted revision before it.
      if (deltas.base !== undefined) return deltas.base;
      sha = record.previous ?? null;
      continue;
    }
    const waited = Date.parse(state.now()) - Date.parse(record.at);
    if (commit?.failures?.deltas === undefined && !(waited > DELTAS_WAIT_MS)) {
      throw new TransientError(
        `revision ${record.sequence} (${sha.slice(0, 7)}) is not planned yet: the revisions after it are planned against the last one accepted`,
      );
    }
    sha = record.previous ?? null;
  }
  return sha;
}
