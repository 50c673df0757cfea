import type { FailureKind } from '../ports/port-error.ts';
import { isNetworkError } from './network-error.ts';

/** gRPC status names by code, to say in words what a Google API answered. */
const STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

const RESOURCE_EXHAUSTED = 8;

/**
 * The class of each code: what the same request will do when sent again. The backend's own
 * trouble and contention pass; a refusal of the request, its caller or its target does not.
 */
const KINDS: Readonly<Record<number, FailureKind>> = {
  1: 'transient', // CANCELLED: the call was cut off, not refused
  2: 'transient', // UNKNOWN: the backend failed without saying why
  3: 'permanent', // INVALID_ARGUMENT, including a document over Firestore's 1 MiB
  4: 'transient', // DEADLINE_EXCEEDED
  5: 'permanent', // NOT_FOUND
  6: 'permanent', // ALREADY_EXISTS
  7: 'permanent', // PERMISSION_DENIED
  8: 'transient', // RESOURCE_EXHAUSTED without a RetryInfo: a quota that refills
  9: 'permanent', // FAILED_PRECONDITION: the project or database is not set up for it
  10: 'transient', // ABORTED: contention, as a transaction meets it
  11: 'permanent', // OUT_OF_RANGE
  12: 'permanent', // UNIMPLEMENTED
  13: 'transient', // INTERNAL
  14: 'transient', // UNAVAILABLE
  15: 'permanent', // DATA_LOSS
  16: 'permanent', // UNAUTHENTICATED: the credentials themselves are refused
};

/** A Google API failure as its client library threw it (google-gax or grpc-js), read. */
export interface GoogleRpcFailure {
  /** The gRPC status code, when the error has one. */
  readonly code: number | undefined;
  /** `PERMISSION_DENIED 7`, or `no status`. */
  readonly status: string;
  /** Undefined when neither a status nor the network explains the error: not a backend's. */
  readonly kind: FailureKind | undefined;
  /** For RESOURCE_EXHAUSTED with a RetryInfo detail: when to try again. */
  readonly retryAt?: string;
}

/**
 * Reads what a Google Cloud client threw: its gRPC status (google-gax maps the REST
 * transport's HTTP answers to one too), the class of that status, and the time a
 * `google.rpc.RetryInfo` detail asks to wait for, where the client decoded the details.
 * `now` dates that wait.
 */
export function googleRpcFailure(error: unknown, now: number = Date.now()): GoogleRpcFailure {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'number' || KINDS[code] === undefined) {
    return {
      code: undefined,
      status: 'no status',
      kind: isNetworkError(error) ? 'transient' : undefined,
    };
  }
  const status = `${STATUS_NAMES[code] ?? 'status'} ${code}`;
  const delay = code === RESOURCE_EXHAUSTED ? retryDelayMs(error) : undefined;
  if (delay !== undefined) {
    return { code, status, kind: 'rate-limited', retryAt: new Date(now + delay).toISOString() };
  }
  return { code, status, kind: KINDS[code] };
}

/** The wait a RetryInfo among the error's decoded details asks for, in milliseconds. */
function retryDelayMs(error: unknown): number | undefined {
  const details = (error as { statusDetails?: unknown }).statusDetails;
  if (!Array.isArray(details)) return undefined;
  for (const detail of details as unknown[]) {
    const delay = (detail as { retryDelay?: unknown } | null)?.retryDelay;
    if (typeof delay !== 'object' || delay === null) continue;
    const { seconds = 0, nanos = 0 } = delay as { seconds?: unknown; nanos?: unknown };
    // Seconds are an int64: a Long (whose text is its number), a string or a number.
    const whole = Number(
      typeof seconds === 'object' && seconds !== null
        ? (seconds as { toString(): string }).toString()
        : seconds,
    );
    const fraction = Number(nanos);
    if (Number.isFinite(whole) && Number.isFinite(fraction) && whole >= 0 && fraction >= 0) {
      return whole * 1000 + Math.ceil(fraction / 1e6);
    }
  }
  return undefined;
}
