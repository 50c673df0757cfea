import { randomBytes } from 'node:crypto';
import { failure, type GitData, type Reply } from './loopback-git-data.ts';

/** How long an archive link stays valid: GitHub's codeload links are short-lived too. */
const LINK_LIFETIME_MS = 5 * 60 * 1000;
const OBJECT_ID = /^[0-9a-f]{40}$/;

/**
 * GitHub's repository archives. The API answers `GET /repos/{owner}/{repo}/tarball/{ref}`
 * with a 302 to its archive host (codeload), whose link carries a short-lived token and
 * serves `git archive` output, gzipped, with every path under `{owner}-{repo}-{short sha}/`.
 * Here the archive host is the `/codeload/` path of the same server.
 */
export class Archives {
  /** Contents the archive holds instead of the real ones, by path: a tampered archive. */
  readonly tamperedFiles = new Map<string, Uint8Array | string>();
  /** A tar.gz served instead of the repository's own: a crafted archive. */
  replacement: Uint8Array | undefined;
  readonly #gitData: GitData;
  readonly #serverRoot: string;
  readonly #owner: string;
  readonly #name: string;
  readonly #links = new Map<string, number>();

  constructor(gitData: GitData, serverRoot: string, owner: string, name: string) {
    this.#gitData = gitData;
    this.#serverRoot = serverRoot;
    this.#owner = owner;
    this.#name = name;
  }

  /** `GET /repos/{owner}/{repo}/tarball/{ref}`: where to download the archive of `ref`. */
  async redirect(ref: string): Promise<Reply> {
    const commit = await this.#gitData.resolve(ref, 'commit');
    if (commit === undefined) return failure(404, 'Not Found');
    const token = randomBytes(16).toString('hex');
    this.#links.set(token, Date.now() + LINK_LIFETIME_MS);
    const location =
      `${this.#serverRoot}/codeload/${this.#owner}/${this.#name}/legacy.tar.gz/` +
      `${commit}?token=${token}`;
    return { status: 302, headers: { location } };
  }

  /** `GET /codeload/{owner}/{repo}/legacy.tar.gz/{sha}?token=…`: the archive itself. */
  async download(path: string, token: string | undefined): Promise<Reply> {
    const expected = `/codeload/${this.#owner}/${this.#name}/legacy.tar.gz/`;
    const commit = path.startsWith(expected) ? path.slice(expected.length) : '';
    const expiresAt = token === undefined ? undefined : this.#links.get(token);
    if (expiresAt === undefined || expiresAt <= Date.now()) return failure(404, 'Not Found');
    if (!OBJECT_ID.test(commit) || (await this.#gitData.resolve(commit, 'commit')) !== commit) {
      return failure(404, 'Not Found');
    }
    const top = `${this.#owner}-${this.#name}-${commit.slice(0, 7)}`;
    const bytes =
      this.replacement ??
      (await this.#gitData.git([
        'archive',
        '--format=tar.gz',
        `--prefix=${top}/`,
        await this.#archivedTree(commit),
      ]));
    return {
      status: 200,
      bytes,
      headers: {
        'content-type': 'application/x-gzip',
        'content-disposition': `attachment; filename=${top}.tar.gz`,
      },
    };
  }

  /** The commit itself, or a tree like its own with the tampered files in it. */
  async #archivedTree(commit: string): Promise<string> {
    if (this.tamperedFiles.size === 0) return commit;
    let tree = (await this.#gitData.git(['rev-parse', `${commit}^{tree}`])).toString().trim();
    for (const [path, content] of this.tamperedFiles) {
      const sha = (await this.#gitData.git(['hash-object', '-w', '--stdin'], content))
        .toString()
        .trim();
      tree = await this.#gitData.insert(tree, path.split('/'), {
        mode: '100644',
        type: 'blob',
        sha,
      });
    }
    return tree;
  }
}
