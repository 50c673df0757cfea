import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudBuildClient } from '@google-cloud/cloudbuild';
// A dependency of the client library itself (through google-gax): the one auth client
// that sends no credentials and asks nothing of the metadata server.
import { PassThroughClient } from 'google-auth-library';

/** One HTTP request as the server received it. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: IncomingMessage['headers'];
  readonly body: unknown;
}

/** A build as the server stores it: the request's Build, enums by name, output fields set. */
export type StoredBuild = Record<string, unknown> & {
  readonly id: string;
  readonly tags?: readonly string[];
  readonly substitutions?: Readonly<Record<string, string>>;
};

/** An error the server answers a request with, as Google APIs write errors. */
export interface InjectedError {
  /** The next request of this method (GET lists, POST creates) gets the error. */
  readonly method: 'GET' | 'POST';
  readonly httpStatus: number;
  readonly status: string;
  readonly message: string;
  /** `google.rpc.Status` details, such as a RetryInfo, each with its `@type`. */
  readonly details?: readonly Record<string, unknown>[];
}

/** A loopback server speaking the Cloud Build v1 REST surface the client library uses. */
export interface LoopbackCloudBuild {
  readonly port: number;
  readonly requests: readonly RecordedRequest[];
  /** Created builds, oldest first. */
  readonly builds: readonly StoredBuild[];
  /** A real `CloudBuildClient` on the HTTP/JSON transport, pointed at this server. */
  client(): CloudBuildClient;
  /** Answers the next request of the error's method with the error instead. */
  failNext(error: InjectedError): void;
  close(): Promise<void>;
}

const BUILD_OPERATION_METADATA =
  'type.googleapis.com/google.devtools.cloudbuild.v1.BuildOperationMetadata';
const BUILDS_PATH = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/builds$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const USER_SUBSTITUTION = /^_[A-Z0-9_]+$/;
// `$$` first, so that an escaped dollar is never read as the start of a variable.
const VARIABLE = /\$(?:\$|\{([A-Za-z0-9_]+)\}|([A-Za-z_][A-Za-z0-9_]*))/g;
const BUILT_IN = new Set([
  'PROJECT_ID',
  'PROJECT_NUMBER',
  'LOCATION',
  'BUILD_ID',
  'REPO_NAME',
  'REPO_FULL_NAME',
  'BRANCH_NAME',
  'TAG_NAME',
  'REF_NAME',
  'REVISION_ID',
  'COMMIT_SHA',
  'SHORT_SHA',
  'SERVICE_ACCOUNT',
  'SERVICE_ACCOUNT_EMAIL',
  'TRIGGER_NAME',
  'TRIGGER_BUILD_CONFIG_PATH',
]);
// The client asks for numeric enums (`$alt=json;enum-encoding=int`).
const LOGGING_MODES = ['LOGGING_UNSPECIFIED', 'LEGACY', 'GCS_ONLY', 'STACKDRIVER_ONLY', 'NONE'];
LOGGING_MODES[5] = 'CLOUD_LOGGING_ONLY';
const SUBSTITUTION_OPTIONS = ['MUST_MATCH', 'ALLOW_LOOSE'];
const QUEUED = 1;

/** Cloud Build's `Build.Status` numbers, for a client that asks for enums as numbers. */
const STATUS_NUMBERS: Readonly<Record<string, number>> = {
  STATUS_UNKNOWN: 0,
  PENDING: 10,
  QUEUED,
  WORKING: 2,
  SUCCESS: 3,
  FAILURE: 4,
  INTERNAL_ERROR: 5,
  TIMEOUT: 6,
  CANCELLED: 7,
  EXPIRED: 9,
};

class ApiError extends Error {
  readonly httpStatus: number;
  readonly status: string;
  readonly details: readonly Record<string, unknown>[] | undefined;
  constructor(
    httpStatus: number,
    status: string,
    message: string,
    details?: readonly Record<string, unknown>[],
  ) {
    super(message);
    this.httpStatus = httpStatus;
    this.status = status;
    this.details = details;
  }
}

/**
 * Starts the server on 127.0.0.1 and a free port. It checks builds as Cloud Build does where
 * a mistake would only show in production: substitutions under MUST_MATCH, tag syntax, and
 * the logging a build with its own service account must choose.
 */
export async function startLoopbackCloudBuild(): Promise<LoopbackCloudBuild> {
  const requests: RecordedRequest[] = [];
  const builds: StoredBuild[] = [];
  const injected: InjectedError[] = [];
  const clients: CloudBuildClient[] = [];

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const record: RecordedRequest = {
      method: req.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: text === '' ? undefined : (JSON.parse(text) as unknown),
    };
    requests.push(record);
    const numericEnums = (record.query['$alt'] ?? '').includes('enum-encoding=int');
    try {
      const failure = injected.findIndex((error) => error.method === record.method);
      if (failure !== -1) {
        const [error] = injected.splice(failure, 1);
        if (error !== undefined)
          throw new ApiError(error.httpStatus, error.status, error.message, error.details);
      }
      const match = BUILDS_PATH.exec(url.pathname);
      if (match === null) throw new ApiError(404, 'NOT_FOUND', `no route ${url.pathname}`);
      const [, project = '', location = ''] = match;
      if (record.method === 'POST') {
        const build = createBuild(record.body, project, location);
        builds.push(build);
        reply(res, 200, {
          name: `projects/${project}/locations/${location}/operations/${Buffer.from(build.id).toString('base64url')}`,
          metadata: {
            '@type': BUILD_OPERATION_METADATA,
            build: numericEnums ? { ...build, status: QUEUED } : build,
          },
          done: false,
        });
      } else if (record.method === 'GET') {
        reply(res, 200, listBuilds(record.query, project, location, numericEnums));
      } else {
        throw new ApiError(405, 'UNIMPLEMENTED', `method ${record.method} is not supported`);
      }
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      reply(res, error.httpStatus, {
        error: {
          code: error.httpStatus,
          message: error.message,
          status: error.status,
          ...(error.details === undefined ? {} : { details: error.details }),
        },
      });
    }
  }

  function createBuild(body: unknown, project: string, location: string): StoredBuild {
    if (typeof body !== 'object' || body === null) invalid('the request body is not a Build');
    const build = body as Record<string, unknown>;
    const options = { ...(build['options'] as Record<string, unknown> | undefined) };
    if (typeof options['logging'] === 'number')
      options['logging'] = LOGGING_MODES[options['logging']];
    if (typeof options['substitutionOption'] === 'number')
      options['substitutionOption'] = SUBSTITUTION_OPTIONS[options['substitutionOption']];
    const steps = build['steps'];
    if (!Array.isArray(steps) || steps.length === 0) invalid('a build must have steps');
    for (const [index, step] of (steps as Record<string, unknown>[]).entries()) {
      if (typeof step['name'] !== 'string' || step['name'] === '')
        invalid(`build.steps[${index}].name must be set`);
    }
    for (const tag of (build['tags'] as string[] | undefined) ?? []) {
      if (!TAG.test(tag)) invalid(`invalid build tag "${tag}": must match format ${TAG.source}`);
    }
    const substitutions = (build['substitutions'] as Record<string, string> | undefined) ?? {};
    for (const key of Object.keys(substitutions)) {
      if (!USER_SUBSTITUTION.test(key))
        invalid(`invalid substitution key "${key}": must match ${USER_SUBSTITUTION.source}`);
    }
    if ((options['substitutionOption'] ?? 'MUST_MATCH') === 'MUST_MATCH') {
      mustMatch(steps as Record<string, unknown>[], substitutions);
    }
    const serviceAccount = build['serviceAccount'];
    if (serviceAccount !== undefined) {
      if (
        typeof serviceAccount !== 'string' ||
        !/^projects\/[^/]+\/serviceAccounts\/.+$/.test(serviceAccount)
      )
        invalid('build.service_account must be projects/{project}/serviceAccounts/{account}');
      const logging = options['logging'];
      if (
        build['logsBucket'] === undefined &&
        logging !== 'CLOUD_LOGGING_ONLY' &&
        logging !== 'NONE'
      )
        invalid(
          "if 'build.service_account' is specified, the build must either (a) specify 'build.logs_bucket', (b) use the REGIONAL_USER_OWNED_BUCKET build.options.default_logs_bucket_behavior option, or (c) use either CLOUD_LOGGING_ONLY / NONE logging options",
        );
    }
    const id = randomUUID();
    return {
      ...build,
      options,
      id,
      name: `projects/${project}/locations/${location}/builds/${id}`,
      projectId: project,
      status: 'QUEUED',
      createTime: new Date().toISOString(),
      logUrl: `https://console.cloud.google.com/cloud-build/builds;region=${location}/${id}?project=${project}`,
    };
  }

  function listBuilds(
    query: Readonly<Record<string, string>>,
    project: string,
    location: string,
    numericEnums: boolean,
  ) {
    const wanted = parseFilter(query['filter'] ?? '');
    const prefix = `projects/${project}/locations/${location}/builds/`;
    const matching = builds
      .filter((build) => String(build['name']).startsWith(prefix))
      .filter((build) => wanted.every((tag) => build.tags?.includes(tag) === true))
      .reverse();
    const size = Number(query['pageSize'] ?? 100);
    const start = Number(query['pageToken'] ?? 0);
    const page = matching.slice(start, start + size);
    return {
      builds: page.map((build) =>
        numericEnums
          ? { ...build, status: STATUS_NUMBERS[String(build['status'])] ?? QUEUED }
          : build,
      ),
      ...(start + size < matching.length ? { nextPageToken: String(start + size) } : {}),
    };
  }

  return {
    port,
    requests,
    builds,
    client() {
      const client = new CloudBuildClient({
        fallback: true,
        apiEndpoint: '127.0.0.1',
        port,
        protocol: 'http',
        authClient: new PassThroughClient(),
      });
      clients.push(client);
      return client;
    },
    failNext(error) {
      injected.push(error);
    },
    async close() {
      await Promise.all(clients.map((client) => client.close()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}

/** The `tags="a" AND tags="b"` form of Cloud Build's list filter; nothing else is accepted. */
function parseFilter(filter: string): string[] {
  if (filter.trim() === '') return [];
  return filter.split(' AND ').map((term) => {
    const match = /^tags="([^"]*)"$/.exec(term.trim());
    if (match?.[1] === undefined) invalid(`unsupported filter term: ${term}`);
    return match[1];
  });
}

/** Cloud Build's MUST_MATCH: every variable is defined, every substitution is used. */
function mustMatch(steps: Record<string, unknown>[], substitutions: Record<string, string>): void {
  const used = new Set<string>();
  const texts = steps.flatMap((step) =>
    ['name', 'dir', 'entrypoint', 'args', 'env'].flatMap((field) => {
      const value = step[field];
      return typeof value === 'string' ? [value] : Array.isArray(value) ? (value as string[]) : [];
    }),
  );
  for (const text of texts) {
    for (const match of text.matchAll(VARIABLE)) {
      const key = match[1] ?? match[2];
      if (key === undefined) continue;
      if (key.startsWith('_')) {
        if (!(key in substitutions))
          invalid(`key in the template "${key}" is not matched in the substitution data`);
        used.add(key);
      } else if (!BUILT_IN.has(key)) {
        invalid(`key in the template "${key}" is not a valid built-in substitution`);
      }
    }
  }
  for (const key of Object.keys(substitutions)) {
    if (!used.has(key))
      invalid(`key "${key}" in the substitution data is not matched in the template`);
  }
}

function invalid(message: string): never {
  throw new ApiError(400, 'INVALID_ARGUMENT', `invalid build: ${message}`);
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify(body));
}
