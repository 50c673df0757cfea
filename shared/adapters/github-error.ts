/** A GitHub request that failed: what it was for, GitHub's status, and whether to retry. */
export class GitHubError extends Error {
  override readonly name = 'GitHubError';
  /** The HTTP status GitHub answered, or undefined when no answer came. */
  readonly status: number | undefined;
  /** Whether trying again later may succeed: rate limits, GitHub's own failures, the network. */
  readonly transient: boolean;

  constructor(message: string, status: number | undefined, transient: boolean, cause?: unknown) {
    super(message, { cause });
    this.status = status;
    this.transient = transient;
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

/**
 * Turns what Octokit threw while `doing` something into a GitHubError that says what failed
 * and why, in terms an operator can act on.
 */
export function gitHubError(error: unknown, doing: string): GitHubError {
  if (error instanceof GitHubError) return error;
  const failure = (error instanceof Error ? error : new Error(String(error))) as RequestFailure;
  const status = typeof failure.status === 'number' ? failure.status : undefined;
  const url = typeof failure.request?.url === 'string' ? failure.request.url : '';
  const said = failure.message;
  if (status === undefined) {
    return new GitHubError(`${doing}: GitHub could not be reached: ${said}`, status, true, error);
  }
  if (TOKEN_EXCHANGE.test(url.split('?')[0] ?? '')) {
    return new GitHubError(
      `${doing}: GitHub refused the App's credentials (${status}: ${said}); ` +
        'check the App id, its private key and the installation id',
      status,
      status >= 500,
      error,
    );
  }
  const rateLimited =
    status === 429 ||
    (status === 403 && failure.response?.headers?.['x-ratelimit-remaining'] === '0');
  if (rateLimited) {
    return new GitHubError(
      `${doing}: GitHub's rate limit was reached (${said})`,
      status,
      true,
      error,
    );
  }
  if (status === 401) {
    return new GitHubError(
      `${doing}: GitHub refused the installation token (401: ${said})`,
      status,
      false,
      error,
    );
  }
  if (status === 404) {
    return new GitHubError(
      `${doing}: not found (404: ${said}); it does not exist or the App's installation cannot see it`,
      status,
      false,
      error,
    );
  }
  return new GitHubError(
    `${doing}: GitHub answered ${status}: ${said}`,
    status,
    status >= 500,
    error,
  );
}
