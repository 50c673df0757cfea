import { atOrAfter, later } from './build-leases.ts';

/** How long an instance editing a check holds it, should it stop halfway. */
export const CHECK_CLAIM_SECONDS = 60;

/** `commits/{sha}/checks/{name}`: who is editing the check, and whether it changed since. */
export interface CheckClaim {
  /** The message whose handler is editing the check run, until `claimedUntil`. */
  readonly claimedBy: string | null;
  readonly claimedUntil: string | null;
  /** The builds changed while it was, or its last edit failed: it is to be edited again. */
  readonly dirty: boolean;
}

/**
 * What a handler does to a check's claim: `claim` it to edit it (a notification), `look` at
 * it to finish an edit left undone (a later revision), `release` it after an edit, or give
 * it up after a `failed` edit.
 */
export type CheckClaimStep = 'claim' | 'look' | 'release' | 'failed';

/** The claim's next state (undefined: left as it is), and whether the handler edits now. */
export interface CheckClaimTransition {
  readonly next: CheckClaim | undefined;
  readonly edit: boolean;
}

/**
 * The claim's transitions, all of them: a claim held by another marks the check dirty for
 * the holder to edit again; a claim that expired, or none, is taken; a release edits again
 * while dirty; a failed edit lets go but keeps the check dirty, so that whoever comes next
 * (the redelivery of the failed message, another notification, a later revision's look)
 * takes it. A look takes only a dirty check no one holds: a clean one needs no edit.
 */
export function checkClaimTransition(
  stored: CheckClaim | undefined,
  step: CheckClaimStep,
  claimant: string,
  now: string,
): CheckClaimTransition {
  const mine = stored !== undefined && stored.claimedBy === claimant;
  const held =
    stored !== undefined &&
    !mine &&
    stored.claimedUntil !== null &&
    !atOrAfter(now, stored.claimedUntil);
  const claimed = { claimedBy: claimant, claimedUntil: later(now, CHECK_CLAIM_SECONDS) };
  const free = { claimedBy: null, claimedUntil: null };
  switch (step) {
    case 'claim':
      if (held) return { next: { ...stored, dirty: true }, edit: false };
      return { next: { ...claimed, dirty: false }, edit: true };
    case 'look':
      if (held || stored?.dirty !== true) return { next: undefined, edit: false };
      return { next: { ...claimed, dirty: false }, edit: true };
    case 'release':
      // Taken over while this one was editing: the taker edits it from now on.
      if (!mine) return { next: undefined, edit: false };
      if (stored.dirty) return { next: { ...claimed, dirty: false }, edit: true };
      return { next: { ...free, dirty: false }, edit: false };
    case 'failed':
      if (!mine) return { next: undefined, edit: false };
      return { next: { ...free, dirty: true }, edit: false };
  }
}
