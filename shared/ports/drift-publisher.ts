import type { DriftReport, PublicationReport } from '../core/drift/drift-report.ts';

/**
 * Tells people what a sweep found, where they work: GitHub issues and code scanning in
 * production. A plain object, so a sweep without one (tests, a local look) tells no one.
 * Quiet by contract: told the same open findings again, it sends nothing.
 */
export interface DriftPublisher {
  /**
   * Publishes a sweep's report, after its findings are stored. Reports its failures in the
   * outcome; a sweep also catches what it throws, so nothing stored is ever lost to it.
   */
  publish(request: DriftPublishRequest): Promise<DriftPublication>;
}

/** What a sweep hands its publisher. */
export interface DriftPublishRequest {
  readonly report: DriftReport;
  /**
   * The digest of the SARIF log code scanning was last sent, as the previous sweep recorded
   * it; absent when none is known, and then the log is sent.
   */
  readonly sarifDigest?: string;
}

/** What was published, as the sweep report and the sweep document tell it. */
export type DriftPublication = PublicationReport;

/** A publisher that is not set up here, or turned off: it publishes nothing, and says why. */
export function unavailablePublisher(detail: string): DriftPublisher {
  return {
    publish: ({ sarifDigest }) =>
      Promise.resolve({
        status: 'unavailable',
        detail,
        ...(sarifDigest === undefined ? {} : { sarifDigest }),
      }),
  };
}
