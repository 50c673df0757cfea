import { PortError, type FailureKind } from '../ports/port-error.ts';
import { googleRpcFailure } from './google-rpc-failure.ts';

/** A Google Cloud API (Firestore, Pub/Sub, Cloud Build) refused a request, or could not be reached. */
export class GoogleApiError extends PortError {
  override readonly name: string = 'GoogleApiError';
  /** The gRPC status code, when there was one. */
  readonly code: number | undefined;

  constructor(
    message: string,
    code: number | undefined,
    kind: FailureKind,
    options: { readonly cause?: unknown; readonly retryAt?: string } = {},
  ) {
    super(message, kind, options);
    this.code = code;
  }
}

/**
 * What to throw for an error `service`'s client threw while `doing` something: a
 * {@link GoogleApiError} classified by its gRPC status, or the error itself when it is no
 * answer of the service (already classified, or a bug on this side).
 */
export function googleApiError(service: string, doing: string, error: unknown): Error {
  if (error instanceof PortError) return error;
  const failure = googleRpcFailure(error);
  if (failure.kind === undefined) return error instanceof Error ? error : new Error(String(error));
  const said = error instanceof Error ? error.message : String(error);
  return new GoogleApiError(
    `${service} refused ${doing} (${failure.status}): ${said}`,
    failure.code,
    failure.kind,
    { cause: error, ...(failure.retryAt === undefined ? {} : { retryAt: failure.retryAt }) },
  );
}
