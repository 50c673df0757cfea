/**
 * What a port's failure means for the message being handled:
 *
 * - `permanent`: the same request will fail again (refused credentials, a missing object, an
 *   invalid argument). Retrying only delays the moment someone is told.
 * - `transient`: trying again later may succeed (the network, a backend's own failure, a lock
 *   held by someone else).
 * - `rate-limited`: trying again succeeds no sooner than the backend's reset.
 */
export type FailureKind = 'permanent' | 'transient' | 'rate-limited';

/**
 * A failure of a backend behind a port, classified by the adapter that met it: only the
 * adapter knows what its client's errors mean. Adapters throw it (or a subclass) with the
 * client's error as `cause`; whoever runs a stage reads the class with `classifyFailure`.
 */
export class PortError extends Error {
  override name = 'PortError';
  readonly kind: FailureKind;
  /**
   * For a rate limit: the earliest time, ISO 8601 in UTC, at which a retry may succeed;
   * undefined when the backend did not say.
   */
  readonly retryAt: string | undefined;

  constructor(
    message: string,
    kind: FailureKind,
    options: { readonly cause?: unknown; readonly retryAt?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.retryAt = kind === 'rate-limited' ? options.retryAt : undefined;
  }
}
