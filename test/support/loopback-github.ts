import { generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Archives } from './loopback-archives.ts';
import { CheckRuns } from './loopback-check-runs.ts';
import { failure, GitData, type Reply } from './loopback-git-data.ts';
import { PullRequests } from './loopback-pull-requests.ts';
import { Issues } from './loopback-issues.ts';
import { RepositorySettings } from './loopback-repository-settings.ts';

export type { Reply } from './loopback-git-data.ts';
import { compare, graphql } from './loopback-git-queries.ts';

/** One request the server received, as the tests assert it. */
export interface RecordedRequest {
  readonly method: string;
  /** The decoded path, without the query. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly authorization: string | undefined;
  readonly userAgent: string | undefined;
  readonly body: unknown;
}

/** A GitHub App's key pair, made at test time. */
export interface AppKeys {
  /** PKCS#1 PEM, the format GitHub offers for download. */
  readonly privateKey: string;
  readonly publicKey: KeyObject;
}

/** A loopback server speaking GitHub's REST API for one repository and one App installation. */
export interface LoopbackGitHub {
  readonly baseUrl: string;
  readonly appId: number;
  readonly installationId: number;
  /** The App's private key, as its operator would configure it. */
  readonly privateKey: string;
  readonly owner: string;
  readonly name: string;
  /** Every request, in order of arrival. */
  readonly requests: RecordedRequest[];
  /** The git data endpoints' state: `truncateTrees`, `tamperedBlobs`. */
  readonly gitData: GitData;
  /** The check runs GitHub would hold. */
  readonly checkRuns: CheckRuns;
  /** The tarball endpoint and its archive host: `tamperedFiles`, `replacement`. */
  readonly archives: Archives;
  /** The pull requests and reviews GitHub would hold. */
  readonly pullRequests: PullRequests;
  /** The issues and pull requests GitHub would hold. */
  readonly issues: Issues;
  /** The default branch, branch protection, rulesets' rules and SARIF uploads. */
  readonly settings: RepositorySettings;
  /** Runs before each request is answered, so a test can change the repository meanwhile. */
  beforeAnswer: ((request: RecordedRequest) => Promise<void>) | undefined;
  /**
   * Answers a request instead of the server when it returns a reply: an outage, a rate
   * limit or a refusal, exactly as a test wants GitHub to say it.
   */
  answerInstead: ((request: RecordedRequest) => Reply | undefined) | undefined;
  close(): Promise<void>;
}

/** Makes an RSA key pair like the one GitHub issues to an App. */
export function createAppKeys(): AppKeys {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(), publicKey };
}

/** GitHub refuses App JWTs that live longer than this. */
const MAX_JWT_LIFETIME = 600;
/** Leeway for the clocks of GitHub and the App. */
const CLOCK_SKEW = 60;
const TOKEN_LIFETIME_MS = 60 * 60 * 1000;

/**
 * Starts the server on 127.0.0.1 (port 0) for the repository in `directory`, named
 * `owner/name`. Requests need an installation token obtained with a JWT signed by the App's
 * key, exactly as on GitHub.
 */
export async function startLoopbackGitHub(options: {
  readonly directory: string;
  readonly owner?: string;
  readonly name?: string;
  readonly keys?: AppKeys;
}): Promise<LoopbackGitHub> {
  const owner = options.owner ?? 'acme';
  const name = options.name ?? 'platform';
  const keys = options.keys ?? createAppKeys();
  const appId = 4242;
  const installationId = 777;
  const tokens = new Map<string, number>();
  const requests: RecordedRequest[] = [];

  const server = createServer((req, res) => {
    void serve(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const repositoryRoot = `/repos/${owner}/${name}/`;
  const gitData = new GitData(options.directory, `${baseUrl}/repos/${owner}/${name}`);
  const checkRuns = new CheckRuns(gitData, appId);
  const archives = new Archives(gitData, baseUrl, owner, name);
  const pullRequests = new PullRequests(`${baseUrl}/repos/${owner}/${name}`);
  const issues = new Issues(`${baseUrl}/repos/${owner}/${name}`);
  const settings = new RepositorySettings(owner, name, `${baseUrl}/repos/${owner}/${name}`);

  const github: LoopbackGitHub = {
    baseUrl,
    appId,
    installationId,
    privateKey: keys.privateKey,
    owner,
    name,
    requests,
    gitData,
    checkRuns,
    archives,
    pullRequests,
    issues,
    settings,
    beforeAnswer: undefined,
    answerInstead: undefined,
    close: () =>
      new Promise((resolve, reject) => {
        gitData.objects.close();
        server.closeAllConnections();
        server.close((error) => {
          if (error === undefined) resolve();
          else reject(error);
        });
      }),
  };
  return github;

  async function serve(req: IncomingMessage, res: ServerResponse) {
    let reply: Reply;
    try {
      const request = await record(req);
      await github.beforeAnswer?.(request);
      reply = github.answerInstead?.(request) ?? (await answer(request));
    } catch (error) {
      reply = failure(500, `loopback GitHub: ${(error as Error).message}`);
    }
    const content =
      reply.bytes ?? Buffer.from(reply.body === undefined ? '' : JSON.stringify(reply.body));
    res.writeHead(reply.status, {
      'content-type': 'application/json; charset=utf-8',
      ...reply.headers,
      'content-length': content.byteLength,
      'x-github-request-id': `LOOPBACK:${requests.length}`,
    });
    res.end(content);
  }

  async function record(req: IncomingMessage): Promise<RecordedRequest> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', baseUrl);
    let body: unknown;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      body = raw;
    }
    const request: RecordedRequest = {
      method: req.method ?? 'GET',
      path: decodeURIComponent(url.pathname),
      query: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization,
      userAgent: req.headers['user-agent'],
      body,
    };
    requests.push(request);
    return request;
  }

  async function answer(request: RecordedRequest): Promise<Reply> {
    const { method, path, query } = request;
    if (typeof request.body === 'string') return failure(400, 'Problems parsing JSON');
    const body = (request.body ?? {}) as Record<string, unknown>;
    const tokenExchange = /^\/app\/installations\/([^/]+)\/access_tokens$/.exec(path);
    if (tokenExchange !== null && method === 'POST') {
      return exchange(request.authorization, tokenExchange[1] ?? '');
    }
    // The archive host takes the token in its link, not an Authorization header.
    if (method === 'GET' && path.startsWith('/codeload/'))
      return archives.download(path, query.token);
    if (!authorized(request.authorization)) return failure(401, 'Bad credentials');
    if (method === 'POST' && path === '/graphql') return graphql(gitData, body, owner, name);
    if (method === 'GET' && `${path}/` === repositoryRoot) return settings.repository();
    if (!path.startsWith(repositoryRoot)) return failure(404, 'Not Found');
    const route = `${method} ${path.slice(repositoryRoot.length)}`;
    let match: RegExpExecArray | null;
    const is = (pattern: RegExp) => (match = pattern.exec(route)) !== null;
    const arg = (index: number) => match?.[index] ?? '';

    if (is(/^GET git\/trees\/(.+)$/)) return gitData.tree(arg(1), query.recursive !== undefined);
    if (is(/^GET git\/blobs\/(.+)$/)) return gitData.blob(arg(1));
    if (is(/^GET git\/commits\/(.+)$/)) return gitData.commit(arg(1));
    if (is(/^GET tarball\/(.+)$/)) return archives.redirect(arg(1));
    if (is(/^GET git\/ref\/(.+)$/)) return gitData.ref(arg(1));
    if (is(/^POST git\/trees$/)) return gitData.createTree(body);
    if (is(/^POST git\/commits$/)) return gitData.createCommit(body);
    if (is(/^PATCH git\/refs\/(.+)$/)) return gitData.updateRef(arg(1), body);
    if (is(/^GET compare\/(.+)$/)) return compare(gitData, arg(1), Number(query.per_page ?? 250));
    if (is(/^GET commits\/(.+)\/check-runs$/)) return checkRuns.list(arg(1), query);
    if (is(/^POST check-runs$/)) return checkRuns.create(body);
    if (is(/^PATCH check-runs\/(\d+)$/)) return checkRuns.update(Number(arg(1)), body);
    if (is(/^GET pulls$/)) return pullRequests.list(query);
    if (is(/^GET pulls\/(\d+)$/)) return pullRequests.get(Number(arg(1)));
    if (is(/^GET pulls\/(\d+)\/reviews$/)) return pullRequests.reviews(Number(arg(1)), query);
    if (is(/^GET branches\/(.+)\/protection$/)) return settings.branchProtection(arg(1));
    if (is(/^GET rules\/branches\/(.+)$/)) return settings.branchRules(arg(1), query);
    if (is(/^POST code-scanning\/sarifs$/)) return settings.uploadSarif(body);
    if (is(/^GET issues$/)) return issues.list(query);
    if (is(/^POST issues$/)) return issues.create(body);
    if (is(/^PATCH issues\/(\d+)$/)) return issues.update(Number(arg(1)), body);
    if (is(/^POST issues\/(\d+)\/comments$/)) return issues.comment(Number(arg(1)), body);
    return failure(404, 'Not Found');
  }

  /** POST /app/installations/{id}/access_tokens: an App JWT in, an installation token out. */
  function exchange(authorization: string | undefined, installation: string): Reply {
    const jwt = /^bearer (.+)$/i.exec(authorization ?? '')?.[1];
    const claims = jwt === undefined ? undefined : verifiedClaims(jwt, keys.publicKey);
    if (claims === undefined) return failure(401, 'A JSON web token could not be decoded');
    const now = Math.floor(Date.now() / 1000);
    const { iss, iat, exp } = claims;
    if (String(iss) !== String(appId))
      return failure(401, "'Issuer' claim ('iss') must be an Integer");
    if (typeof exp !== 'number' || exp <= now) {
      return failure(
        401,
        "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
      );
    }
    if (typeof iat !== 'number' || iat > now + CLOCK_SKEW) {
      return failure(
        401,
        "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
      );
    }
    if (exp - iat > MAX_JWT_LIFETIME)
      return failure(401, "'Expiration time' claim ('exp') is too far in the future");
    if (installation !== String(installationId)) return failure(404, 'Not Found');
    const token = `ghs_${randomBytes(18).toString('hex')}`;
    const expiresAt = Date.now() + TOKEN_LIFETIME_MS;
    tokens.set(token, expiresAt);
    return {
      status: 201,
      body: {
        token,
        expires_at: new Date(expiresAt).toISOString(),
        permissions: { checks: 'write', contents: 'write', metadata: 'read' },
        repository_selection: 'selected',
      },
    };
  }

  function authorized(authorization: string | undefined): boolean {
    const token = /^(?:token|bearer) (.+)$/i.exec(authorization ?? '')?.[1];
    const expiresAt = token === undefined ? undefined : tokens.get(token);
    return expiresAt !== undefined && expiresAt > Date.now();
  }
}

/** The claims of an RS256 JWT whose signature `publicKey` verifies, or undefined. */
function verifiedClaims(jwt: string, publicKey: KeyObject): Record<string, unknown> | undefined {
  const [header, payload, signature, ...rest] = jwt.split('.');
  if (header === undefined || payload === undefined || signature === undefined || rest.length > 0) {
    return undefined;
  }
  try {
    const { alg } = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as {
      alg?: unknown;
    };
    if (alg !== 'RS256') return undefined;
    const signed = Buffer.from(`${header}.${payload}`);
    if (!verify('sha256', signed, publicKey, Buffer.from(signature, 'base64url'))) return undefined;
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
  } catch {
    return undefined;
  }
}
