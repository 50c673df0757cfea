import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isGitWorkTree } from '../../shared/adapters/git-revision-files.ts';
import {
  GOVERNED_REPOSITORY_FORMAT,
  type GovernedRepository,
} from '../../shared/core/pipeline/governed-repository.ts';
import { PUSH_TOPIC } from '../../shared/core/contracts/push-message.ts';
import { classifyPush } from '../../shared/core/pipeline/classify-push.ts';
import { RepositoryState } from '../../shared/pipeline/repository-state.ts';
import type { StageOutcome } from '../../shared/pipeline/stage.ts';
import { classifyFailure } from '../../shared/ports/classify-failure.ts';
import {
  createDeliveryVerifier,
  type VerifiedPush,
  type WebhookReply,
  type WebhookRequest,
} from '../../functions/delivery-verifier.ts';
import {
  createPushAdmission,
  pushMessage,
  type PushAdmission,
} from '../../functions/push-admission.ts';
import { EnvironmentError, exitCodes, UsageError, type CliIo, type Command } from '../cli-io.ts';
import { commandSettings } from '../command-settings.ts';
import { checkStore, configuredStore, storeLocation } from '../configured-store.ts';
import { DeliveryInbox } from '../delivery-inbox.ts';
import { createEmbeddedPipeline, createStateFolder, stateFolder } from '../embedded-pipeline.ts';
import { acquireFolderLock } from '../folder-lock.ts';
import { startInboxProcessor, type InboxProcessor } from '../inbox-processor.ts';
import { pipelineRenderConfig } from '../pipeline-render-config.ts';
import { repositoryFolder } from '../repository-folder.ts';
import { resumeInterruptedWork } from '../resume-revision.ts';
import { repositoryOption } from './render.ts';

export const serveUsage = `Usage: infrastream serve [DIR] --repository OWNER/NAME#ID [--port N] [--host HOST]
                         [--apply] [--config FILE]

Receives GitHub webhooks at POST /webhooks/github and runs every stage in this process,
reading each pushed commit from the git repository at DIR (fetch it there first). The
secrets are INFRASTREAM_WEBHOOK_SECRETS (comma-separated while rotating). Pushes of any
other repository than --repository are refused. An accepted push is queued on disk
(DIR/.infrastream/inbox) before it is answered, and run once the state store is free;
GET /healthz says how many wait. As it starts, it finishes the builds and stages a killed
run or serve left. State is kept in DIR/.infrastream, or in Firestore when
INFRASTREAM_PROJECT is set (the README lists every setting).
  --repository R   the repository served, OWNER/NAME#ID with GitHub's id (gh api
                   repos/OWNER/NAME --jq .id); default INFRASTREAM_REPOSITORY
  --port N         port to listen on (default 8080; 0 picks a free one)
  --host HOST      address to listen on (default 127.0.0.1)
  --apply          run terraform for the builds of the default branch; refused with the
                   example's placeholders, the render configuration without --config
  --config FILE    render configuration (see \`infrastream render --help\`); default
                   INFRASTREAM_RENDER_CONFIG`;

/** `infrastream serve`: the webhook and the embedded pipeline behind it, until interrupted. */
export async function serveCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      apply: { type: 'boolean', default: false },
      config: { type: 'string' },
      repository: { type: 'string' },
    },
  });
  if (positionals.length > 1)
    throw new UsageError(`expected at most one directory, found ${positionals.length}`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be a port number, found "${values.port}"`);
  const settings = commandSettings(io, 'serve', [
    ...(values.repository === undefined ? [] : (['repository'] as const)),
    ...(values.config === undefined ? [] : (['renderConfig'] as const)),
  ]);
  const repository =
    values.repository === undefined
      ? (settings.repository ?? servedRepository(undefined))
      : servedRepository(values.repository);
  // Checked now rather than at the first push, which would find out too late.
  const directory = repositoryFolder(io, positionals[0]);
  if (!(await isGitWorkTree(directory))) {
    throw new EnvironmentError(
      `${directory} is not in a git repository: serve reads each pushed commit from it (clone the repository there)`,
    );
  }
  const render = await pipelineRenderConfig(io, {
    file: values.config,
    setting: settings.renderConfig,
    apply: values.apply,
  });
  // The builds folder and ledgers are the folder's whichever store holds the state: one
  // process drives them, until it exits (serve ends only with the process).
  const lock = await acquireFolderLock(
    createStateFolder(directory),
    ['infrastream', 'serve', ...args].join(' '),
  );
  process.once('exit', lock.release);
  const store = await configuredStore(settings, directory);
  await checkStore(store, 'write', storeLocation(settings, directory));
  const pipeline = createEmbeddedPipeline({
    directory,
    repository,
    render,
    apply: values.apply,
    store,
  });
  const admission = createPushAdmission({
    repository,
    deliveries: pipeline.deliveries,
    publisher: pipeline.bus,
  });
  const { inbox, unreadable } = await DeliveryInbox.open(join(stateFolder(directory), 'inbox'));
  for (const file of unreadable)
    io.stderr(`infrastream serve: ${file} is not a delivery, set aside\n`);

  // Only the inbox processor drains, one delivery at a time: the bus delivers in order.
  const runStages = async () => {
    for (const delivery of await pipeline.bus.drain()) {
      const outcome = delivery.outcome as StageOutcome;
      io.stdout(`${delivery.topic}: ${outcome.status} ${outcome.detail}\n`);
    }
    const again: string[] = [];
    for (const dead of pipeline.bus.deadLetters.splice(0)) {
      const failure = classifyFailure(dead.error);
      if (failure.kind === 'transient' || failure.kind === 'rate-limited') {
        again.push(`${dead.topic}: ${failure.reason}`);
      } else {
        io.stderr(`${dead.topic}: failed for good: ${String(dead.error)}\n`);
      }
    }
    // The stages take a redelivered push up where they left it.
    if (again.length > 0) throw new Error(`stages to try again: ${again.join('; ')}`);
  };
  // A process stopped mid-build left its builds leased and its revisions queued: finished
  // before the first delivery, as `run` finishes them, so that nothing waits for a push.
  const clock = pipeline.ports.clock;
  const resume = async () => {
    const named = new RepositoryState(store, { ...repository, defaultBranch: '' }, clock);
    const { defaultBranch } = await named.repositoryDocument();
    const resumption = await resumeInterruptedWork({
      state: new RepositoryState(store, { ...repository, defaultBranch }, clock),
      bus: pipeline.bus,
      ports: pipeline.ports,
      apply: values.apply,
      storeIsLocal: settings.project === undefined,
    });
    for (const note of resumption.left) io.stdout(`note: ${note}\n`);
    const { stages, builds } = resumption;
    if (stages.length === 0 && builds.length === 0) return;
    const what = [...stages, ...(builds.length > 0 ? [`${builds.length} builds`] : [])];
    io.stdout(`resuming what an interrupted run left: ${what.join(', ')}\n`);
    await runStages();
  };
  const processor = startInboxProcessor({
    inbox,
    admission,
    publishAgain: (entry) => pipeline.bus.publish(PUSH_TOPIC, pushMessage(entry.verified)),
    runStages,
    startUp: resume,
    log: (line) => {
      io.stderr(`${line}\n`);
    },
  });
  const receive = createQueuedReceiver({
    verify: onlyPushes(
      createDeliveryVerifier({
        secrets: settings.webhookSecrets,
        maxBodyBytes: settings.maxBodyBytes,
      }),
    ),
    admission,
    inbox,
    processor,
    log: (line) => {
      io.stderr(`${line}\n`);
    },
  });

  const server = createServer((request, response) => {
    const answer = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.url === '/healthz' && request.method === 'GET') {
      answer(200, { ok: true, ...processor.status() });
      return;
    }
    if (request.url !== '/webhooks/github') {
      answer(404, {
        error: 'not found: the webhook is POST /webhooks/github, health GET /healthz',
      });
      return;
    }
    readBody(request, settings.maxBodyBytes)
      .then(
        async (rawBody) => {
          const reply = await receive({
            method: request.method ?? '',
            headers: request.headers,
            rawBody,
          });
          answer(reply.status, reply.body);
        },
        () => {
          answer(413, { error: 'body too large' });
        },
      )
      .catch((error: unknown) => {
        io.stderr(`infrastream serve: a webhook failed: ${String(error)}\n`);
        if (!response.headersSent) answer(500, { error: 'internal error' });
      });
  });
  await listen(server, port, values.host);
  const { port: bound } = server.address() as AddressInfo;
  io.stdout(`infrastream serve: listening on http://${values.host}:${bound}/webhooks/github\n`);
  await new Promise<void>((stop) => {
    const close = () => {
      server.close(() => {
        stop();
      });
    };
    process.once('SIGINT', close);
    process.once('SIGTERM', close);
  });
  await processor.stop();
  return exitCodes.ok;
}

/**
 * The verifier of pushes alone: `serve` builds failed workspaces again through
 * `infrastream retry`, not through the check's Re-run button.
 */
function onlyPushes(
  verify: ReturnType<typeof createDeliveryVerifier>,
): (request: WebhookRequest) => Promise<WebhookReply | VerifiedPush> {
  return async (request) => {
    const verified = await verify(request);
    return 'status' in verified || 'push' in verified
      ? verified
      : {
          status: 202,
          body: { ignored: true, event: 'checkRun' in verified ? 'check_run' : verified.event },
        };
  };
}

/**
 * Answers a webhook as soon as a push is checked and queued: whatever holds the state store,
 * GitHub hears within its 10 s, and GitHub never redelivers a failed delivery by itself. A
 * push of another repository is refused at once and queued to be recorded as refused.
 */
function createQueuedReceiver(options: {
  readonly verify: (request: WebhookRequest) => Promise<WebhookReply | VerifiedPush>;
  readonly admission: Pick<PushAdmission, 'refusal'>;
  readonly inbox: DeliveryInbox;
  readonly processor: InboxProcessor;
  readonly log: (line: string) => void;
}): (request: WebhookRequest) => Promise<WebhookReply> {
  const { verify, admission, inbox, processor, log } = options;
  const duplicate: WebhookReply = { status: 200, body: { duplicate: true } };
  return async (request) => {
    const verified = await verify(request);
    if ('status' in verified) return verified;
    const refused = admission.refusal(verified);
    if (processor.finished(verified.delivery)) return refused ?? duplicate;
    try {
      if ((await inbox.add(verified)) === 'duplicate') return refused ?? duplicate;
    } catch (error) {
      log(`delivery ${verified.delivery}: could not be queued: ${String(error)}`);
      return { status: 503, body: { error: 'could not queue the delivery' } };
    }
    processor.wake();
    return (
      refused ?? {
        status: 202,
        body: { accepted: true, action: classifyPush(verified.push).action },
      }
    );
  };
}

/** Listens, or says in one line why the port cannot be had and what to do. */
async function listen(server: Server, port: number, host: string): Promise<void> {
  try {
    await new Promise<void>((listening, failed) => {
      server.once('error', failed);
      server.listen(port, host, () => {
        server.off('error', failed);
        listening();
      });
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const where = `port ${port} of ${host}`;
    switch (code) {
      case 'EADDRINUSE':
        throw new EnvironmentError(
          `${where} is in use: stop what listens there, or choose another port with --port`,
        );
      case 'EACCES':
        throw new EnvironmentError(
          `cannot listen on ${where}: permission denied; choose a port above 1023 with --port`,
        );
      case 'EADDRNOTAVAIL':
      case 'ENOTFOUND':
        throw new EnvironmentError(
          `cannot listen on ${where}: no such address here; choose another with --host`,
        );
      default:
        throw error;
    }
  }
}

/** The repository a webhook server serves: named, with GitHub's id, or a usage error. */
function servedRepository(text: string | undefined): GovernedRepository {
  if (text === undefined || text === '') {
    throw new UsageError(
      `--repository or INFRASTREAM_REPOSITORY is required: the repository whose pushes are served, ${GOVERNED_REPOSITORY_FORMAT}`,
    );
  }
  const repository = repositoryOption(text);
  if (repository.id === undefined) {
    throw new UsageError(
      `--repository: expected ${GOVERNED_REPOSITORY_FORMAT}: pushes are matched by GitHub's repository id, found "${text}"`,
    );
  }
  return repository;
}

/** The body as bytes, refused (before reading it all) past `limit`. */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is read and dropped: the answer is 413 either way.
      if (size > limit) reject(new Error('body too large'));
      else chunks.push(chunk);
    });
    request.on('end', () => {
      resolveBody(Buffer.concat(chunks));
    });
    request.on('error', reject);
  });
}

/** `infrastream serve`, for the command table. */
export const command: Command = { run: serveCommand, usage: serveUsage };
