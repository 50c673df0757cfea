import { randomUUID } from 'node:crypto';
import { readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** What a lock file says about its holder. */
interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly token: string;
  /** Epoch milliseconds at which the lock was taken. */
  readonly since: number;
}

/** Options of {@link FileLock}. */
export interface FileLockOptions {
  /** How long {@link FileLock.acquire} waits for a live holder before it gives up. */
  readonly timeoutMs: number;
  /**
   * Age after which a lock is taken to be abandoned even when its holder cannot be shown
   * dead: a holder on another host, or a process id the system has reused.
   */
  readonly staleAfterMs: number;
}

/** A lock file that is still empty this long after its creation was abandoned mid-write. */
const UNREADABLE_GRACE_MS = 5_000;
const MAX_BACKOFF_MS = 50;

/**
 * An exclusive lock between processes: a file created with `O_EXCL`, naming its holder. A
 * lock whose holder died (same host, process gone) or that is older than `staleAfterMs` is
 * broken, under a second lock so that two waiters never both break it and both hold it.
 * Within one process, callers serialize before taking it: it is not reentrant.
 */
export class FileLock {
  readonly #path: string;
  readonly #options: FileLockOptions;
  #token: string | undefined;

  constructor(path: string, options: FileLockOptions) {
    this.#path = path;
    this.#options = options;
  }

  /** Takes the lock, waiting while a live holder has it; throws after `timeoutMs`. */
  async acquire(): Promise<void> {
    if (this.#token !== undefined) throw new Error(`Lock ${this.#path} is already held`);
    const token = randomUUID();
    const holder: LockHolder = { pid: process.pid, host: hostname(), token, since: Date.now() };
    const deadline = Date.now() + this.#options.timeoutMs;
    let backoff = 1;
    for (;;) {
      try {
        writeFileSync(this.#path, JSON.stringify(holder), { flag: 'wx' });
        this.#token = token;
        return;
      } catch (error) {
        if (!hasCode(error, 'EEXIST')) throw error;
      }
      const current = this.#inspect();
      if (current === 'gone') continue;
      if (current.stale) {
        this.#breakStale(current.token);
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `Timed out after ${String(this.#options.timeoutMs)} ms waiting for the lock ` +
            `${this.#path}, held by ${current.description}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, backoff));
      backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
    }
  }

  /** Gives the lock up, unless it was broken as stale and someone else holds it now. */
  release(): void {
    const token = this.#token;
    this.#token = undefined;
    if (token === undefined) return;
    if (readHolder(this.#path)?.token === token) removeIfPresent(this.#path);
  }

  #inspect(): 'gone' | { stale: boolean; token: string | undefined; description: string } {
    let modified: number;
    try {
      modified = statSync(this.#path).mtimeMs;
    } catch (error) {
      if (hasCode(error, 'ENOENT')) return 'gone';
      throw error;
    }
    const holder = readHolder(this.#path);
    const age = Date.now() - (holder?.since ?? modified);
    if (holder === undefined) {
      return {
        stale: age > UNREADABLE_GRACE_MS,
        token: undefined,
        description: 'an unknown process',
      };
    }
    const dead = holder.host === hostname() && !isAlive(holder.pid);
    return {
      stale: dead || age > this.#options.staleAfterMs,
      token: holder.token,
      description: `process ${String(holder.pid)} on ${holder.host} since ${new Date(holder.since).toISOString()}`,
    };
  }

  /** Removes the stale lock, provided it is still the one judged stale. */
  #breakStale(token: string | undefined): void {
    const breaker = `${this.#path}.break`;
    try {
      writeFileSync(breaker, String(process.pid), { flag: 'wx' });
    } catch (error) {
      if (!hasCode(error, 'EEXIST')) throw error;
      // A breaker that died while breaking would otherwise stop everyone.
      try {
        if (Date.now() - statSync(breaker).mtimeMs > UNREADABLE_GRACE_MS) removeIfPresent(breaker);
      } catch (statError) {
        if (!hasCode(statError, 'ENOENT')) throw statError;
      }
      return;
    }
    try {
      if (readHolder(this.#path)?.token === token) removeIfPresent(this.#path);
    } finally {
      removeIfPresent(breaker);
    }
  }
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { pid, host, token, since } = parsed as Record<string, unknown>;
    if (typeof pid !== 'number' || typeof host !== 'string') return undefined;
    if (typeof token !== 'string' || typeof since !== 'number') return undefined;
    return { pid, host, token, since };
  } catch {
    // Missing, or caught between creation and write: the caller decides by the file's age.
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return !hasCode(error, 'ESRCH');
  }
}

function removeIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if (!hasCode(error, 'ENOENT')) throw error;
  }
}

/** Whether an error thrown by `fs` or `process` has this `code`. */
export function hasCode(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
