import type { Json } from '../governance/governance-model.ts';

/** Where a drift sweep reads what the cloud, Git or GitHub holds now. */
export type DriftSource = 'terraform' | 'iam' | 'resources' | 'codeowners' | 'github' | 'pipeline';

/**
 * How much a finding matters: `critical` for public access, basic or admin roles, external
 * members and disabled protections; `high` for other IAM and network changes; `medium` for
 * other security-relevant attributes; `low` for everything else.
 */
export type DriftSeverity = 'critical' | 'high' | 'medium' | 'low';

/** A place in a manifest, 1-based. */
export interface ManifestLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/**
 * One difference a source saw in one sweep, before the sweep's bookkeeping: the same
 * difference seen again has the same `fingerprint`.
 */
export interface DriftObservation {
  readonly source: DriftSource;
  /** The workspace the difference belongs to, when one does (not an unmanaged grant on a folder outside any). */
  readonly workspace?: string;
  /** The Terraform address, for `terraform` findings. */
  readonly address?: string;
  /** The Cloud Asset Inventory name (`//cloudresourcemanager.googleapis.com/projects/…`), for `iam` and `resources`. */
  readonly asset?: string;
  /** What differs: an attribute path, a `role member` binding, a check's name. */
  readonly attribute: string;
  readonly severity: DriftSeverity;
  /** One line a reader understands without the before and after. */
  readonly summary: string;
  readonly before: Json;
  readonly after: Json;
  /** The manifest entry that declares what drifted, when one does. */
  readonly manifest?: ManifestLocation;
}

/** An observation with its history across sweeps. */
export interface DriftFinding extends DriftObservation {
  readonly fingerprint: string;
  /** ISO-8601 times of the first and the latest sweep that saw it. */
  readonly firstSeen: string;
  readonly lastSeen: string;
  /** Set while an acknowledgement in the repository covers it. */
  readonly acknowledged?: { readonly reason: string; readonly expires: string };
}
