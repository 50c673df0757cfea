import { link, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { readFileSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import {
  mayStillRun,
  processStart,
  type RecordedProcess,
} from '../shared/adapters/process-liveness.ts';
import { BusyError } from './cli-io.ts';

/** Who holds a state folder, as its lock file says. */
export interface LockHolder extends RecordedProcess {
  readonly startedAt: string;
  readonly command: string;
}

/** A state folder held by this process. */
export interface FolderLock {
  readonly file: string;
  /** The holder whose process had ended without releasing the lock, when there was one. */
  readonly tookOver: LockHolder | undefined;
  /** Lets the folder go; only the lock this process holds is removed. */
  readonly release: () => void;
}

/** Taking over a stale lock takes a moment: a guard older than this was left by a crash. */
const TAKEOVER_GUARD_STALE_MS = 10_000;
const RETRY_MS = 50;
const MAX_ATTEMPTS = 200;

/**
 * Takes the lock of a state folder, `<folder>/lock`, for one `run` or `serve` at a time: two
 * processes that drive the same builds folder and ledgers would resume each other's builds
 * and apply workspaces twice. The file is created whole or not at all (written aside, then
 * linked into place, which fails when it exists), and names the holder. A holder whose
 * process no longer runs on this machine left it behind: it is taken over, and
 * {@link FolderLock.tookOver} says from whom. A live holder, or one on another machine,
 * makes this throw a {@link BusyError} naming it.
 */
export async function acquireFolderLock(folder: string, command: string): Promise<FolderLock> {
  const file = join(folder, 'lock');
  const start = processStart(process.pid);
  const mine: LockHolder = {
    pid: process.pid,
    host: hostname(),
    ...(start === undefined ? {} : { processStart: start }),
    startedAt: new Date().toISOString(),
    command,
  };
  const text = `${JSON.stringify(mine, null, 2)}\n`;
  let tookOver: LockHolder | undefined;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (await createExclusively(file, text)) {
      return {
        file,
        tookOver,
        release: () => {
          releaseLock(file, text);
        },
      };
    }
    const holder = await readHolder(file);
    if (holder === undefined) continue;
    if (mayStillRun(holder)) throw new BusyError(busyMessage(file, holder));
    if (await removeStaleLock(file, holder)) tookOver = holder;
    else await sleep(RETRY_MS);
  }
  throw new BusyError(
    `${file} changed hands ${MAX_ATTEMPTS} times while this one waited: try again`,
  );
}

/** Creates `file` holding `text`, whole, unless it exists. */
async function createExclusively(file: string, text: string): Promise<boolean> {
  const aside = `${file}.${process.pid}.tmp`;
  await writeFile(aside, text);
  try {
    await link(aside, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(aside, { force: true });
  }
}

/** The holder a lock file names; undefined when it is gone meanwhile. */
async function readHolder(file: string): Promise<LockHolder | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const holder = v.safeParse(lockHolderSchema, parseJson(text));
  if (holder.success) return holder.output;
  // Never written by a holder (it is created whole): something else put it there.
  throw new BusyError(
    `${file} is not a lock infrastream wrote: if no infrastream run or serve uses this folder, delete it`,
  );
}

const lockHolderSchema = v.object({
  pid: v.pipe(v.number(), v.safeInteger(), v.minValue(1)),
  host: v.string(),
  processStart: v.exactOptional(v.string()),
  startedAt: v.string(),
  command: v.string(),
});

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Removes a stale lock, unless another process took it over first. Two processes that both
 * found it stale would otherwise each remove it, the second removing the lock the first had
 * just made: the removal happens under a guard file only one process can create.
 */
async function removeStaleLock(file: string, stale: LockHolder): Promise<boolean> {
  const guard = `${file}.takeover`;
  try {
    await writeFile(guard, String(process.pid), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const age = await stat(guard).then(
      (found) => Date.now() - found.mtimeMs,
      () => 0,
    );
    if (age > TAKEOVER_GUARD_STALE_MS) await rm(guard, { force: true });
    return false;
  }
  try {
    const now = await readHolder(file);
    if (now?.pid !== stale.pid || now.startedAt !== stale.startedAt) return false;
    await unlink(file);
    return true;
  } finally {
    await rm(guard, { force: true });
  }
}

/** Removes the lock if it is still this process's: synchronous, to run as the process exits. */
function releaseLock(file: string, text: string): void {
  try {
    if (readFileSync(file, 'utf8') === text) unlinkSync(file);
  } catch {
    // Gone already: there is nothing to let go.
  }
}

function busyMessage(file: string, holder: LockHolder): string {
  const who = `${holder.command} (pid ${holder.pid}${holder.host === hostname() ? '' : ` on ${holder.host}`}, since ${holder.startedAt})`;
  const advice =
    holder.host === hostname()
      ? 'one run or serve at a time per folder: try again once it has finished'
      : `one run or serve at a time per folder: try again once it has finished, or delete the file if nothing runs on ${holder.host} any more`;
  return `${file} is held by ${who}; ${advice}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
