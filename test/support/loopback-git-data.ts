import { spawn } from 'node:child_process';
import { GitObjectReader } from './git-object-reader.ts';

/** An HTTP answer: status and JSON body, or bytes with headers of their own. */
export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  /** Answered as they are instead of a JSON body, with `headers`' content type. */
  readonly bytes?: Uint8Array;
  readonly headers?: Readonly<Record<string, string>>;
}

/** GitHub's error body. */
export function failure(status: number, message: string): Reply {
  return { status, body: { message, documentation_url: 'https://docs.github.com/rest' } };
}

const OBJECT_ID = /^[0-9a-f]{40}$/;
const TREE_MODES = new Set(['100644', '100755', '040000', '160000', '120000']);

/** Runs git in `directory` with a fixed identity and no user configuration. */
export function runGit(directory: string, args: readonly string[], input?: Uint8Array | string) {
  return new Promise<Buffer>((resolve, reject) => {
    const child = spawn('git', ['--no-pager', ...args], {
      cwd: directory,
      env: {
        ...process.env,
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_TERMINAL_PROMPT: '0',
        LC_ALL: 'C',
        GIT_AUTHOR_NAME: 'infrastream[bot]',
        GIT_AUTHOR_EMAIL: 'infrastream[bot]@users.noreply.github.com',
        GIT_COMMITTER_NAME: 'GitHub',
        GIT_COMMITTER_EMAIL: 'noreply@github.com',
      },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`git ${args.join(' ')}: ${Buffer.concat(err).toString('utf8')}`));
    });
    child.stdin.end(input);
  });
}

/** One line of `git ls-tree -l -z`. */
interface ListedEntry {
  readonly mode: string;
  readonly type: string;
  readonly sha: string;
  readonly size: number | undefined;
  readonly path: string;
}

/**
 * GitHub's git data and compare endpoints, answered from a real repository with git
 * processes, in the shapes GitHub's REST reference documents.
 */
export class GitData {
  readonly directory: string;
  readonly apiRoot: string;
  /** Answer recursive trees with `truncated: true` and half the entries, as GitHub does past its limits. */
  truncateTrees = false;
  /** Files to answer a comparison with instead of the real ones: a wrong or partial list. */
  comparedFiles: (() => Record<string, string>[]) | undefined;
  /** Blob contents to answer instead of the real ones, by blob id: a tampered response. */
  readonly tamperedBlobs = new Map<string, Uint8Array>();

  /** Objects read by one long-lived git process: the endpoints read many, one at a time. */
  readonly objects: GitObjectReader;

  constructor(directory: string, apiRoot: string) {
    this.directory = directory;
    this.apiRoot = apiRoot;
    this.objects = new GitObjectReader(directory);
  }

  git(args: readonly string[], input?: Uint8Array | string): Promise<Buffer> {
    return runGit(this.directory, args, input);
  }

  /** The object id `revision` names as `type`, or undefined. */
  async resolve(revision: string, type: 'commit' | 'tree' | 'blob'): Promise<string | undefined> {
    return (await this.objects.read(`${revision}^{${type}}`))?.sha;
  }

  async tree(sha: string, recursive: boolean): Promise<Reply> {
    let tree: string | undefined;
    let entries: ListedEntry[];
    if (recursive) {
      tree = await this.resolve(sha, 'tree');
      if (tree === undefined) return failure(404, 'Not Found');
      entries = await this.list(tree, true);
    } else {
      const found = await this.objects.tree(sha);
      if (found === undefined) return failure(404, 'Not Found');
      tree = found.sha;
      entries = await Promise.all(
        found.entries.map(async ({ mode, type, sha: id, name }) => ({
          mode,
          type,
          sha: id,
          path: name,
          size: type === 'blob' ? (await this.objects.read(id))?.bytes.length : undefined,
        })),
      );
    }
    const truncated = recursive && this.truncateTrees;
    if (truncated) entries = entries.slice(0, Math.ceil(entries.length / 2));
    return {
      status: 200,
      body: {
        sha: tree,
        url: this.url(`git/trees/${tree}`),
        tree: entries.map((entry) => this.treeJson(entry)),
        truncated,
      },
    };
  }

  async blob(sha: string): Promise<Reply> {
    const object = OBJECT_ID.test(sha) ? await this.objects.read(sha) : undefined;
    if (object?.type !== 'blob' || object.sha !== sha) return failure(404, 'Not Found');
    const bytes = this.tamperedBlobs.get(sha) ?? object.bytes;
    const base64 = Buffer.from(bytes).toString('base64');
    // Like GitHub (Ruby's Base64.encode64): lines of 60 characters, each ending in a newline.
    const content = base64 === '' ? '' : `${base64.replace(/.{60}/g, '$&\n').replace(/\n$/, '')}\n`;
    return {
      status: 200,
      body: {
        sha,
        node_id: `B_${sha}`,
        size: bytes.length,
        url: this.url(`git/blobs/${sha}`),
        content,
        encoding: 'base64',
      },
    };
  }

  async commit(sha: string): Promise<Reply> {
    if (!OBJECT_ID.test(sha) || (await this.resolve(sha, 'commit')) !== sha) {
      return failure(404, 'Not Found');
    }
    return { status: 200, body: await this.commitJson(sha) };
  }

  async ref(ref: string): Promise<Reply> {
    const sha = await this.resolve(`refs/${ref}`, 'commit');
    if (sha === undefined || !ref.startsWith('heads/')) return failure(404, 'Not Found');
    return { status: 200, body: this.refJson(ref, sha) };
  }

  async createTree(body: Record<string, unknown>): Promise<Reply> {
    const { base_tree: baseTree, tree } = body;
    if (!Array.isArray(tree) || tree.length === 0)
      return failure(422, 'Invalid request: "tree" is required');
    let root: string | undefined;
    if (baseTree !== undefined) {
      root = typeof baseTree === 'string' ? await this.resolve(baseTree, 'tree') : undefined;
      if (root === undefined || root !== baseTree) return failure(422, 'Invalid tree info');
    }
    for (const item of tree as unknown[]) {
      const { path, mode, type, sha, content } = (item ?? {}) as Record<string, unknown>;
      if (typeof path !== 'string' || path === '' || path.startsWith('/') || path.endsWith('/')) {
        return failure(422, 'Invalid tree info: path');
      }
      if (
        typeof mode !== 'string' ||
        !TREE_MODES.has(mode) ||
        (type !== 'blob' && type !== 'tree' && type !== 'commit')
      ) {
        return failure(422, 'Invalid tree info: mode or type');
      }
      if ((sha === undefined) === (content === undefined)) {
        return failure(422, 'Invalid tree info: exactly one of "sha" or "content" is required');
      }
      let object: string;
      if (typeof content === 'string') {
        object = (await this.git(['hash-object', '-w', '--stdin'], content)).toString().trim();
      } else if (typeof sha === 'string' && OBJECT_ID.test(sha)) {
        object = sha;
      } else {
        return failure(422, 'Invalid tree info: sha');
      }
      root = await this.insert(root, path.split('/'), { mode, type, sha: object });
    }
    const entries = await this.list(root ?? '', false);
    return {
      status: 201,
      body: {
        sha: root,
        url: this.url(`git/trees/${root ?? ''}`),
        tree: entries.map((entry) => this.treeJson(entry)),
        truncated: false,
      },
    };
  }

  async createCommit(body: Record<string, unknown>): Promise<Reply> {
    const { message, tree, parents } = body;
    if (typeof message !== 'string' || typeof tree !== 'string') {
      return failure(422, 'Invalid request: "message" and "tree" are required');
    }
    if ((await this.resolve(tree, 'tree')) !== tree) return failure(422, 'Tree SHA does not exist');
    const parentList: string[] = [];
    for (const parent of Array.isArray(parents) ? (parents as unknown[]) : []) {
      if (typeof parent !== 'string' || (await this.resolve(parent, 'commit')) !== parent) {
        return failure(422, 'Parent SHA does not exist or is not a commit object');
      }
      parentList.push(parent);
    }
    const sha = (
      await this.git(
        ['commit-tree', tree, ...parentList.flatMap((parent) => ['-p', parent]), '-F', '-'],
        message,
      )
    )
      .toString()
      .trim();
    return { status: 201, body: await this.commitJson(sha) };
  }

  async updateRef(ref: string, body: Record<string, unknown>): Promise<Reply> {
    const { sha, force } = body;
    if (typeof sha !== 'string') return failure(422, 'Invalid request: "sha" is required');
    const current = await this.resolve(`refs/${ref}`, 'commit');
    if (current === undefined || !ref.startsWith('heads/'))
      return failure(422, 'Reference does not exist');
    if ((await this.resolve(sha, 'commit')) !== sha) return failure(422, 'Object does not exist');
    if (force !== true && !(await this.isAncestor(current, sha))) {
      return failure(422, 'Update is not a fast forward');
    }
    try {
      // The old value makes the update fail if the branch moved since it was read.
      await this.git(['update-ref', `refs/${ref}`, sha, current]);
    } catch {
      return failure(422, 'Update is not a fast forward');
    }
    return { status: 200, body: this.refJson(ref, sha) };
  }

  private isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    return this.git(['merge-base', '--is-ancestor', ancestor, descendant]).then(
      () => true,
      () => false,
    );
  }

  private async list(tree: string, recursive: boolean): Promise<ListedEntry[]> {
    if (tree === '') return [];
    const output = (
      await this.git(['ls-tree', '-l', '-z', ...(recursive ? ['-r', '-t'] : []), tree])
    ).toString('utf8');
    return output
      .split('\0')
      .filter(Boolean)
      .map((record) => {
        const match = /^(\d+) (\w+) ([0-9a-f]+) +(-|\d+)\t(.*)$/s.exec(record);
        if (match === null) throw new Error(`unexpected ls-tree record: ${record}`);
        const [, mode = '', type = '', sha = '', size = '-', path = ''] = match;
        return { mode, type, sha, size: size === '-' ? undefined : Number(size), path };
      });
  }

  /** Writes a tree that is `tree` with `entry` at `segments`, creating folders on the way. */
  async insert(
    tree: string | undefined,
    segments: readonly string[],
    entry: { mode: string; type: string; sha: string },
  ): Promise<string> {
    const [name, ...below] = segments;
    if (name === undefined || name === '' || name === '.' || name === '..')
      throw new Error('bad path');
    const entries = new Map(
      (tree === undefined ? [] : await this.list(tree, false)).map((e) => [e.path, e]),
    );
    if (below.length === 0) {
      entries.set(name, { ...entry, size: undefined, path: name });
    } else {
      const existing = entries.get(name);
      const sub = await this.insert(
        existing?.type === 'tree' ? existing.sha : undefined,
        below,
        entry,
      );
      entries.set(name, { mode: '040000', type: 'tree', sha: sub, size: undefined, path: name });
    }
    const input = [...entries.values()]
      .map((e) => `${e.mode} ${e.type} ${e.sha}\t${e.path}\0`)
      .join('');
    return (await this.git(['mktree', '-z'], input)).toString().trim();
  }

  private async commitJson(sha: string) {
    const text = (await this.git(['cat-file', 'commit', sha])).toString('utf8');
    const headerEnd = text.indexOf('\n\n');
    const headers = text.slice(0, headerEnd).split('\n');
    const field = (name: string) =>
      headers
        .filter((line) => line.startsWith(`${name} `))
        .map((line) => line.slice(name.length + 1));
    const person = (line: string | undefined) => {
      const match = /^(.*) <(.*)> (\d+) [+-]\d{4}$/.exec(line ?? '');
      return {
        name: match?.[1] ?? '',
        email: match?.[2] ?? '',
        date: new Date(Number(match?.[3] ?? 0) * 1000).toISOString(),
      };
    };
    const tree = field('tree')[0] ?? '';
    return {
      sha,
      node_id: `C_${sha}`,
      url: this.url(`git/commits/${sha}`),
      html_url: `${this.apiRoot}/commit/${sha}`,
      author: person(field('author')[0]),
      committer: person(field('committer')[0]),
      message: text.slice(headerEnd + 2),
      tree: { sha: tree, url: this.url(`git/trees/${tree}`) },
      parents: field('parent').map((parent) => ({
        sha: parent,
        url: this.url(`git/commits/${parent}`),
      })),
      verification: { verified: false, reason: 'unsigned', signature: null, payload: null },
    };
  }

  private treeJson(entry: ListedEntry) {
    const kind = entry.type === 'tree' ? 'trees' : entry.type === 'blob' ? 'blobs' : undefined;
    return {
      path: entry.path,
      mode: entry.mode,
      type: entry.type,
      sha: entry.sha,
      ...(entry.size === undefined ? {} : { size: entry.size }),
      ...(kind === undefined ? {} : { url: this.url(`git/${kind}/${entry.sha}`) }),
    };
  }

  private refJson(ref: string, sha: string) {
    return {
      ref: `refs/${ref}`,
      node_id: `REF_${ref}`,
      url: this.url(`git/refs/${ref}`),
      object: { type: 'commit', sha, url: this.url(`git/commits/${sha}`) },
    };
  }

  url(path: string): string {
    return `${this.apiRoot}/${path}`;
  }
}
