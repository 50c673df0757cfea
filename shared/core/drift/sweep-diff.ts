import type { DriftFinding, DriftObservation, DriftSource } from './drift-finding.ts';
import { driftFingerprint } from './drift-fingerprint.ts';

/** What a sweep read, and what it could not: findings it did not look for stay open. */
export interface SweepCoverage {
  /** The sources that were read in full. */
  readonly sources: ReadonlySet<DriftSource>;
  /** Workspaces a source read in full otherwise could not read this time (a plan failed). */
  readonly unreadWorkspaces: ReadonlySet<string>;
  /** Only this workspace was swept (`--workspace`), when set. */
  readonly workspace?: string;
}

/** A sweep's observations set against the findings open before it. */
export interface SweepDiff {
  /** Seen for the first time (or again after they resolved). */
  readonly appeared: readonly DriftFinding[];
  /** Seen before, with another value, severity, summary or manifest location. */
  readonly changed: readonly DriftFinding[];
  /** Seen before, exactly so: not written again. */
  readonly unchanged: readonly DriftFinding[];
  /** Open before, not seen by a sweep that looked for them. */
  readonly resolved: readonly DriftFinding[];
}

/**
 * Sets this sweep's observations against the open findings: appeared, changed, unchanged,
 * resolved. Findings of a source or workspace the sweep did not read in full are neither
 * seen nor resolved: they stay open, untouched. An observation seen twice is one finding,
 * the first. `at` is the sweep's time, each written finding's `lastSeen`.
 */
export function diffSweep(
  open: readonly DriftFinding[],
  observations: readonly DriftObservation[],
  coverage: SweepCoverage,
  at: string,
): SweepDiff {
  const previous = new Map(open.map((finding) => [finding.fingerprint, finding]));
  const seen = new Set<string>();
  const appeared: DriftFinding[] = [];
  const changed: DriftFinding[] = [];
  const unchanged: DriftFinding[] = [];
  for (const observation of observations) {
    const fingerprint = driftFingerprint(observation);
    if (seen.has(fingerprint)) continue;
    seen.add(fingerprint);
    const before = previous.get(fingerprint);
    if (before === undefined) {
      appeared.push({
        ...withoutAcknowledgement(observation),
        fingerprint,
        firstSeen: at,
        lastSeen: at,
      });
    } else if (sameObservation(before, observation)) {
      unchanged.push(before);
    } else {
      changed.push({
        ...withoutAcknowledgement(observation),
        fingerprint,
        firstSeen: before.firstSeen,
        lastSeen: at,
      });
    }
  }
  const resolved = open.filter(
    (finding) => !seen.has(finding.fingerprint) && covered(finding, coverage),
  );
  return { appeared, changed, unchanged, resolved };
}

/** Whether the sweep looked where the finding was seen. */
function covered(finding: DriftFinding, coverage: SweepCoverage): boolean {
  if (!coverage.sources.has(finding.source)) return false;
  if (coverage.workspace !== undefined && finding.workspace !== coverage.workspace) return false;
  return finding.workspace === undefined || !coverage.unreadWorkspaces.has(finding.workspace);
}

/** The fields that make a finding what it is, in a fixed order. */
function observed(finding: DriftObservation): string {
  const {
    source,
    workspace,
    address,
    asset,
    attribute,
    severity,
    summary,
    before,
    after,
    manifest,
  } = finding;
  return JSON.stringify([
    source,
    workspace ?? null,
    address ?? null,
    asset ?? null,
    attribute,
    severity,
    summary,
    before,
    after,
    manifest === undefined ? null : [manifest.file, manifest.line, manifest.column],
  ]);
}

function sameObservation(a: DriftObservation, b: DriftObservation): boolean {
  return observed(a) === observed(b);
}

/** Acknowledgements come from the repository at each sweep; a stored finding has none. */
function withoutAcknowledgement(observation: DriftObservation): DriftObservation {
  const { acknowledged: _, ...rest } = observation as DriftFinding;
  return rest;
}
