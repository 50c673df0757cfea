import type { DriftObservation } from './drift-finding.ts';
import { sha256Hex } from './sha256.ts';

/** How many hex digits of the SHA-256 a fingerprint keeps: 128 bits, no collision in practice. */
const FINGERPRINT_LENGTH = 32;

/**
 * What identifies a difference across sweeps: its source, workspace, Terraform address or
 * asset name, and attribute or binding. Not its values: the same attribute drifting further
 * is the same finding, changed.
 */
export function fingerprintSubject(
  observation: Pick<DriftObservation, 'source' | 'workspace' | 'address' | 'asset' | 'attribute'>,
): string {
  const { source, workspace = '', address, asset, attribute } = observation;
  return [source, workspace, address ?? asset ?? '', attribute].join('/');
}

/**
 * The stable fingerprint of an observation: 32 hex digits of the SHA-256 of its subject as
 * JSON (so that no `/` in an address makes two subjects one). Computed in the core, with a
 * SHA-256 of its own, so that every source, the store and the acknowledgements file agree on
 * it without an adapter in between.
 */
export function driftFingerprint(
  observation: Pick<DriftObservation, 'source' | 'workspace' | 'address' | 'asset' | 'attribute'>,
): string {
  const { source, workspace = null, address, asset, attribute } = observation;
  const subject = JSON.stringify([source, workspace, address ?? null, asset ?? null, attribute]);
  return sha256Hex(subject).slice(0, FINGERPRINT_LENGTH);
}
