import type { DriftObservation, DriftSource } from '../core/drift/drift-finding.ts';
import type { SourceStatus } from '../core/drift/drift-report.ts';

/**
 * Where a drift sweep reads one source: Terraform's refresh-only plans, Cloud Asset
 * Inventory (or files of its export), CODEOWNERS, GitHub, the pipeline's own documents. A
 * plain object, so that a source is added by handing the sweep one more.
 */
export interface DriftReader {
  readonly name: DriftSource;
  /** Reads what the source holds now. A reader reports its failures; it does not throw them. */
  read(scope: DriftScope): Promise<DriftReading>;
}

/** What a sweep asks of a source. */
export interface DriftScope {
  /** Only this workspace, when set. */
  readonly workspace?: string;
  /** The sweep's time, ISO-8601. */
  readonly at: string;
}

/** What a source saw, and how far it could look. */
export interface DriftReading {
  /**
   * `ok`: read in full; `partial`: read but for `unreadWorkspaces`; `failed` and
   * `unavailable`: not read, so none of its open findings resolve.
   */
  readonly status: SourceStatus;
  readonly detail: string;
  readonly observations: readonly DriftObservation[];
  /**
   * Workspaces a `partial` reading could not read: their open findings stay open. A
   * `partial` reading without them cannot tell what it left out: none of its findings resolve.
   */
  readonly unreadWorkspaces?: readonly string[];
}

/** A source that is not set up here: it reads nothing and resolves nothing. */
export function unavailableReader(name: DriftSource, detail: string): DriftReader {
  return {
    name,
    read: () => Promise.resolve({ status: 'unavailable', detail, observations: [] }),
  };
}
