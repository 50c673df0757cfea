import { PortError, type FailureKind } from '../ports/port-error.ts';

/** A GitHub request that failed: what it was for, GitHub's status, and the failure's class. */
export class GitHubError extends PortError {
  override readonly name = 'GitHubError';
  /** The HTTP status GitHub answered, or undefined when no answer came. */
  readonly status: number | undefined;

  constructor(
    message: string,
    status: number | undefined,
    kind: FailureKind,
    options: { readonly cause?: unknown; readonly retryAt?: string } = {},
  ) {
    super(message, kind, options);
    this.status = status;
  }
}

/** What Octokit's RequestError carries; read by shape, since it is not Octokit's export. */
interface RequestFailure {
  readonly status?: unknown;
  readonly message: string;
  readonly request?: { readonly url?: unknown };
  readonly response?: { readonly headers?: Readonly<Record<string, unknown>> };
}

const TOKEN_EXCHANGE = /\/app\/installations\/[^/]+\/access_tokens$/;
/** GitHub's secondary limits answer 403 (or 429) with this, with or without headers. */
const SECONDARY_LIMIT = /secondary rate limit|abuse detection/i;
/** GitHub asks to wait at least a minute after a secondary limit that names no time. */
const SECONDARY_LIMIT_WAIT_MS = 60_000;

/**
 * Turns what Octokit threw while `doing` something into a GitHubError that says what failed
 * and why, in terms an operator can act on, and classifies it: no answer or GitHub's own
 * failure (5xx, 408) is transient; a rate limit (429, or 403 with no requests remaining or
 * a secondary limit) waits for `x-ratelimit-reset` or `retry-after`; any other refusal
 * (401, 403, 404, 422…) is permanent.
 */
export function gitHubError(error: unknown, doing: string): GitHubError {
  if (error instanceof GitHubError) return error;
  const failure = (error instanceof Error ? error : new Error(String(error))) as RequestFailure;
  const status = typeof failure.status === 'number' ? failure.status : undefined;
  const url = typeof failure.request?.url === 'string' ? failure.request.url : '';
  const headers = failure.response?.headers ?? {};
  const said = failure.message;
  const cause = { cause: error };
  // Octokit answers a request that never reached GitHub as a 500 without a response.
  if (status === undefined || failure.response === undefined) {
    return new GitHubError(
      `${doing}: GitHub could not be reached: ${said}`,
      undefined,
      'transient',
      cause,
    );
  }
  const rateLimited =
    status === 429 ||
    (status === 403 &&
      (headers['x-ratelimit-remaining'] === '0' ||
        headers['retry-after'] !== undefined ||
        SECONDARY_LIMIT.test(said)));
  if (rateLimited) {
    const retryAt = resetTime(headers, SECONDARY_LIMIT.test(said));
    return new GitHubError(
      `${doing}: GitHub's rate limit was reached (${status}: ${said})${retryAt === undefined ? '' : `; it resets at ${retryAt}`}`,
      status,
      'rate-limited',
      retryAt === undefined ? cause : { ...cause, retryAt },
    );
  }
  const kind: FailureKind = status >= 500 || status === 408 ? 'transient' : 'permanent';
  if (TOKEN_EXCHANGE.test(url.split('?')[0] ?? '')) {
    return new GitHubError(
      `${doing}: GitHub refused the App's credentials (${status}: ${said}); ` +
        'check the App id, its private key and the installation id',
      status,
      kind,
      cause,
    );
  }
  if (status === 401) {
    return new GitHubError(
      `${doing}: GitHub refused the installation token (401: ${said})`,
      status,
      kind,
      cause,
    );
  }
  if (status === 404) {
    return new GitHubError(
      `${doing}: not found (404: ${said}); it does not exist or the App's installation cannot see it`,
      status,
      kind,
      cause,
    );
  }
  return new GitHubError(`${doing}: GitHub answered ${status}: ${said}`, status, kind, cause);
}

/**
 * When GitHub's limit resets: `retry-after` (seconds from the answer, which its `date` header
 * dates) first, as GitHub asks, then `x-ratelimit-reset` (seconds since the epoch), then a
 * minute for a secondary limit that names no time.
 */
function resetTime(
  headers: Readonly<Record<string, unknown>>,
  secondary: boolean,
): string | undefined {
  const date = headers['date'];
  const answeredAt = typeof date === 'string' ? Date.parse(date) : Number.NaN;
  const from = Number.isNaN(answeredAt) ? Date.now() : answeredAt;
  const retryAfter = Number(headers['retry-after']);
  if (headers['retry-after'] !== undefined && Number.isFinite(retryAfter) && retryAfter >= 0) {
    return new Date(from + retryAfter * 1000).toISOString();
  }
  const reset = Number(headers['x-ratelimit-reset']);
  if (headers['x-ratelimit-reset'] !== undefined && Number.isFinite(reset) && reset > 0) {
    return new Date(reset * 1000).toISOString();
  }
  return secondary ? new Date(from + SECONDARY_LIMIT_WAIT_MS).toISOString() : undefined;
}
