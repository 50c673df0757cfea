import { describe, expect, it } from 'vitest';
import {
  checkClaimTransition,
  type CheckClaim,
  type CheckClaimStep,
} from '../../shared/core/pipeline/check-claim.ts';

const NOW = '2026-11-22T12:00:00.000Z';
const CLAIMED_UNTIL = '2026-11-22T12:01:00.000Z';
const ME = 'message 1';

const free = (dirty: boolean): CheckClaim => ({ claimedBy: null, claimedUntil: null, dirty });
const heldBy = (claimedBy: string, until: string, dirty: boolean): CheckClaim => ({
  claimedBy,
  claimedUntil: until,
  dirty,
});
const mine = (dirty: boolean) => heldBy(ME, CLAIMED_UNTIL, dirty);
const othersHeld = (dirty: boolean) => heldBy('message 2', CLAIMED_UNTIL, dirty);
const othersExpired = (dirty: boolean) => heldBy('message 2', '2026-11-22T11:59:00.000Z', dirty);
const claimed = heldBy(ME, CLAIMED_UNTIL, false);

/** Every state a check's claim can be found in, against every step, and what follows. */
const TABLE: readonly [
  string,
  CheckClaim | undefined,
  CheckClaimStep,
  CheckClaim | undefined,
  boolean,
][] = [
  ['no claim yet', undefined, 'claim', claimed, true],
  ['free', free(false), 'claim', claimed, true],
  ['left dirty by a failed edit', free(true), 'claim', claimed, true],
  ["another's, held", othersHeld(false), 'claim', othersHeld(true), false],
  ["another's, expired", othersExpired(true), 'claim', claimed, true],
  ['mine (a redelivery)', mine(true), 'claim', claimed, true],

  ['no claim yet', undefined, 'look', undefined, false],
  ['free and clean', free(false), 'look', undefined, false],
  ['left dirty by a failed edit', free(true), 'look', claimed, true],
  ["another's, held and dirty", othersHeld(true), 'look', undefined, false],
  ["another's, expired and dirty", othersExpired(true), 'look', claimed, true],
  ["another's, expired and clean", othersExpired(false), 'look', undefined, false],

  ['mine, clean', mine(false), 'release', free(false), false],
  ['mine, dirty', mine(true), 'release', claimed, true],
  ['taken over', othersHeld(true), 'release', undefined, false],
  ['gone', undefined, 'release', undefined, false],

  ['mine', mine(false), 'failed', free(true), false],
  ['mine, dirty', mine(true), 'failed', free(true), false],
  ['taken over', othersHeld(false), 'failed', undefined, false],
];

describe('checkClaimTransition', () => {
  it.each(TABLE)('%s (%j), on %s: becomes %j, edits: %s', (_, stored, step, next, edit) => {
    expect(checkClaimTransition(stored, step, ME, NOW)).toEqual({ next, edit });
  });

  it('lets whoever comes next edit a check whose edit failed, even while the claim would hold', () => {
    const failed = checkClaimTransition(mine(false), 'failed', ME, NOW).next;
    expect(checkClaimTransition(failed, 'claim', 'message 3', NOW)).toMatchObject({ edit: true });
  });
});
