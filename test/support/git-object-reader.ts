import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/** An object as `git cat-file --batch` gives it. */
export interface GitObject {
  readonly sha: string;
  readonly type: string;
  readonly bytes: Buffer;
}

/** One entry of a tree object. */
export interface GitTreeEntry {
  readonly mode: string;
  readonly type: 'blob' | 'tree' | 'commit';
  readonly sha: string;
  readonly name: string;
}

/**
 * Reads objects of a repository through one long-lived `git cat-file --batch`, so that a
 * loopback server answers a lookup in well under a millisecond instead of the several a git
 * process costs to start. Requests are pipelined: answers come back in the order asked.
 */
export class GitObjectReader {
  readonly #directory: string;
  #process: ChildProcessWithoutNullStreams | undefined;
  #buffer = Buffer.alloc(0);
  readonly #waiting: ((object: GitObject | undefined) => void)[] = [];

  constructor(directory: string) {
    this.#directory = directory;
  }

  /** The object `name` (an id or any revision expression) names, or undefined. */
  read(name: string): Promise<GitObject | undefined> {
    // The batch protocol is line based, and a leading dash is never an object name.
    if (name === '' || /[\n\r]/.test(name) || name.startsWith('-')) {
      return Promise.resolve(undefined);
    }
    const child = this.#started();
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      child.stdin.write(`${name}\n`);
    });
  }

  /** The entries of the tree `name` names, or undefined when it names no tree. */
  async tree(name: string): Promise<{ sha: string; entries: GitTreeEntry[] } | undefined> {
    let object = await this.read(name);
    if (object?.type === 'commit') {
      const tree = /^tree ([0-9a-f]+)\n/.exec(object.bytes.toString('utf8'))?.[1];
      object = tree === undefined ? undefined : await this.read(tree);
    }
    if (object?.type !== 'tree') return undefined;
    return { sha: object.sha, entries: treeEntries(object.bytes) };
  }

  close(): void {
    this.#process?.kill();
    this.#process = undefined;
    for (const resolve of this.#waiting.splice(0)) resolve(undefined);
  }

  #started(): ChildProcessWithoutNullStreams {
    if (this.#process !== undefined) return this.#process;
    const child = spawn('git', ['cat-file', '--batch'], {
      cwd: this.#directory,
      env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
    });
    child.stdout.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#answer();
    });
    child.on('close', () => {
      if (this.#process === child) this.close();
    });
    this.#process = child;
    return child;
  }

  /** Hands out every complete answer in the buffer, in order. */
  #answer(): void {
    for (;;) {
      const end = this.#buffer.indexOf(0x0a);
      if (end === -1) return;
      const header = this.#buffer.subarray(0, end).toString('utf8');
      const found = /^([0-9a-f]{40,64}) (\w+) (\d+)$/.exec(header);
      if (found === null) {
        // "<name> missing" (or "ambiguous"): a header and nothing else.
        this.#buffer = this.#buffer.subarray(end + 1);
        this.#waiting.shift()?.(undefined);
        continue;
      }
      const size = Number(found[3]);
      if (this.#buffer.length < end + 1 + size + 1) return;
      const bytes = Buffer.from(this.#buffer.subarray(end + 1, end + 1 + size));
      this.#buffer = this.#buffer.subarray(end + 1 + size + 1);
      this.#waiting.shift()?.({ sha: found[1] ?? '', type: found[2] ?? '', bytes });
    }
  }
}

/** Parses a tree object: entries of `<octal mode> <name>\0<20-byte id>`. */
export function treeEntries(bytes: Buffer): GitTreeEntry[] {
  const entries: GitTreeEntry[] = [];
  for (let at = 0; at < bytes.length;) {
    const space = bytes.indexOf(0x20, at);
    const nul = bytes.indexOf(0x00, space);
    const mode = bytes.subarray(at, space).toString('utf8').padStart(6, '0');
    const name = bytes.subarray(space + 1, nul).toString('utf8');
    const sha = bytes.subarray(nul + 1, nul + 21).toString('hex');
    const type = mode === '040000' ? 'tree' : mode === '160000' ? 'commit' : 'blob';
    entries.push({ mode, type, sha, name });
    at = nul + 21;
  }
  return entries;
}
