import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

/** The emulators the tests run. */
export type EmulatorName = 'firestore' | 'pubsub';

/** An emulator process started by {@link startEmulator}. */
export interface RunningEmulator {
  readonly name: EmulatorName;
  /** `127.0.0.1:port`, what the client libraries take as their emulator host. */
  readonly host: string;
  /** Milliseconds from spawning to the first answer. */
  readonly startupMs: number;
  /** The id of its process group (gcloud, its wrapper scripts and the JVM). */
  readonly processGroup: number;
  /** Stops the whole process group (gcloud, its wrapper scripts and the JVM). */
  stop(): Promise<void>;
}

const COMPONENTS: Record<EmulatorName, string> = {
  firestore: 'cloud-firestore-emulator',
  pubsub: 'pubsub-emulator',
};
/** A cold JVM on a busy two-core machine takes a few seconds; this is far beyond that. */
const STARTUP_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 10_000;
const LOG_LIMIT = 16 * 1024;

/**
 * Why this machine cannot run the emulator (no gcloud, no Java, the component missing), or
 * undefined when it can. Looks only at files, so it costs nothing.
 */
export function emulatorUnavailableReason(name: EmulatorName): string | undefined {
  const gcloud = findExecutable('gcloud');
  if (gcloud === undefined) return 'gcloud (the Google Cloud CLI) is not on PATH';
  const javaHome = process.env['JAVA_HOME'];
  const java =
    javaHome !== undefined && isExecutable(join(javaHome, 'bin', 'java'))
      ? join(javaHome, 'bin', 'java')
      : findExecutable('java');
  if (java === undefined) return 'Java is not installed (the emulators need Java 17 or newer)';
  const platform = join(dirname(dirname(realpathSync(gcloud))), 'platform');
  if (existsSync(platform) && !existsSync(join(platform, COMPONENTS[name]))) {
    return `the gcloud component ${COMPONENTS[name]} is not installed`;
  }
  return undefined;
}

/**
 * Starts an emulator on a free loopback port and resolves once it answers HTTP. Rejects,
 * with the end of its output, when it exits or does not answer in time.
 */
export async function startEmulator(name: EmulatorName): Promise<RunningEmulator> {
  const started = performance.now();
  const port = await freePort();
  const host = `127.0.0.1:${String(port)}`;
  const dataDirectory = mkdtempSync(join(tmpdir(), `infrastream-${name}-emulator-`));
  const args =
    name === 'firestore'
      ? ['emulators', 'firestore', 'start', `--host-port=${host}`]
      : [
          'beta',
          'emulators',
          'pubsub',
          'start',
          `--host-port=${host}`,
          '--project=infrastream-test',
          `--data-dir=${dataDirectory}`,
        ];
  // Its own process group, so that stopping reaches the JVM that gcloud's scripts start.
  const child = spawn('gcloud', args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
      CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: '1',
    },
  });
  const group = child.pid;
  if (group === undefined) throw new Error(`Could not start the ${name} emulator (gcloud)`);
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-LOG_LIMIT);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? `code ${String(code)}`}`;
  });
  const killOnExit = () => {
    signalGroup(group, 'SIGKILL');
  };
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    signalGroup(group, 'SIGTERM');
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (groupAlive(group) && Date.now() < deadline) await sleep(50);
    if (groupAlive(group)) signalGroup(group, 'SIGKILL');
    rmSync(dataDirectory, { recursive: true, force: true });
  };

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (exited !== undefined) {
      await stop();
      throw new Error(`The ${name} emulator ${exited} before answering on ${host}:\n${log}`);
    }
    if (await answers(host)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`The ${name} emulator did not answer on ${host} within 120 s:\n${log}`);
    }
    await sleep(100);
  }
  return {
    name,
    host,
    startupMs: Math.round(performance.now() - started),
    processGroup: group,
    stop,
  };
}

async function answers(host: string): Promise<boolean> {
  try {
    const response = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/** A port that was free a moment ago; the emulator binds it right after. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('No port was assigned'));
      });
    });
  });
}

function signalGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-group, signal);
  } catch {
    // Already gone.
  }
}

function groupAlive(group: number): boolean {
  try {
    process.kill(-group, 0);
    return true;
  } catch {
    return false;
  }
}

function findExecutable(command: string): string | undefined {
  for (const folder of (process.env['PATH'] ?? '').split(delimiter)) {
    if (folder !== '' && isExecutable(join(folder, command))) return join(folder, command);
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
