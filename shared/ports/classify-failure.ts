import { PortError } from './port-error.ts';

/** A thrown error as whoever runs a stage acts on it. */
export type Failure =
  | { readonly kind: 'permanent' | 'transient'; readonly reason: string }
  | { readonly kind: 'rate-limited'; readonly reason: string; readonly retryAt?: string }
  /** Nothing classified it: a bug, or a failure no adapter knows. Retried, as it always was. */
  | { readonly kind: 'unknown'; readonly reason: string };

/** How deep a chain of causes is followed: far enough for any wrapping, never a cycle. */
const MAX_CAUSES = 8;

/**
 * The class of a thrown error: that of the first {@link PortError} among the error and its
 * causes (a stage may wrap what an adapter threw, to say which workspace it was for), or
 * `unknown`. The reason is the outermost message, followed by the adapter's when it does not
 * already say it.
 */
export function classifyFailure(error: unknown): Failure {
  const reason = error instanceof Error ? error.message : String(error);
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSES && current instanceof Error; depth++) {
    if (current instanceof PortError) {
      const classified = reason.includes(current.message)
        ? reason
        : `${reason}: ${current.message}`;
      if (current.kind === 'rate-limited') {
        return current.retryAt === undefined
          ? { kind: 'rate-limited', reason: classified }
          : { kind: 'rate-limited', reason: classified, retryAt: current.retryAt };
      }
      return { kind: current.kind, reason: classified };
    }
    current = current.cause;
  }
  return { kind: 'unknown', reason };
}
