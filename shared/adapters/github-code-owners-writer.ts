import type { Octokit } from '@octokit/rest';
import type {
  CodeOwnersCommit,
  CodeOwnersWriteResult,
  CodeOwnersWriter,
} from '../ports/code-owners-writer.ts';
import { GitHubError, gitHubError } from './github-error.ts';

/** What the GitHub code-owners writer needs. */
export interface GitHubCodeOwnersWriterOptions {
  /** A client authenticated as the App installation, with contents write permission. */
  readonly octokit: Octokit;
}

const CODEOWNERS_PATH = '.github/CODEOWNERS';
const OBJECT_ID = /^[0-9a-f]{40}$/;
// eslint-disable-next-line no-control-regex -- git refuses control characters in ref names
const CONTROL_OR_SPACE = /[\u0000-\u0020\u007f]/;
/** GitHub's answers when the ref is no longer where the commit was made. */
const REF_MOVED = /not a fast.?forward|reference does not exist/i;

/**
 * Commits `.github/CODEOWNERS` with GitHub's git data API rather than the contents API: the
 * commit is made on exactly the given parent (the contents API commits on whatever the
 * branch is at), and the branch only moves forward (`force: false`).
 *
 * GitHub offers no compare-and-swap on refs, so the branch is read first and the commit is
 * made only if it still points at the parent; between that read and the update, only a
 * force-push back to an ancestor of the parent could slip through, and the next push
 * regenerates the file anyway.
 */
export function createGitHubCodeOwnersWriter(
  options: GitHubCodeOwnersWriterOptions,
): CodeOwnersWriter {
  const { octokit } = options;
  return {
    async write(request: CodeOwnersCommit): Promise<CodeOwnersWriteResult> {
      const { repository, branch, parent } = request;
      checkRequest(request);
      const owner = repository.owner;
      const repo = repository.name;
      const where = `committing ${CODEOWNERS_PATH} to ${owner}/${repo} branch "${branch}" on ${parent}`;
      const call = async <T>(step: string, send: () => Promise<T>): Promise<T> => {
        try {
          return await send();
        } catch (error) {
          throw gitHubError(error, `${where}: ${step}`);
        }
      };

      const parentCommit = await call('reading the parent commit', () =>
        octokit.rest.git.getCommit({ owner, repo, commit_sha: parent }),
      );
      const tip = await readBranch(octokit, owner, repo, branch).catch((error: unknown) => {
        throw gitHubError(error, `${where}: reading the branch`);
      });
      if (tip !== parent) return { status: 'branch-moved' };

      const tree = await call('writing the tree', () =>
        octokit.rest.git.createTree({
          owner,
          repo,
          base_tree: parentCommit.data.tree.sha,
          tree: [{ path: CODEOWNERS_PATH, mode: '100644', type: 'blob', content: request.content }],
        }),
      );
      const commit = await call('writing the commit', () =>
        octokit.rest.git.createCommit({
          owner,
          repo,
          message: request.message,
          tree: tree.data.sha,
          parents: [parent],
        }),
      );
      if (!OBJECT_ID.test(commit.data.sha)) {
        throw new GitHubError(
          `${where}: expected a 40-hex id for the new commit, found "${commit.data.sha}"`,
          undefined,
          'permanent',
        );
      }
      try {
        await octokit.rest.git.updateRef({
          owner,
          repo,
          ref: `heads/${branch}`,
          sha: commit.data.sha,
          force: false,
        });
      } catch (error) {
        const failure = error as { status?: unknown; message?: unknown };
        if (
          failure.status === 422 &&
          typeof failure.message === 'string' &&
          REF_MOVED.test(failure.message)
        ) {
          return { status: 'branch-moved' };
        }
        throw gitHubError(error, `${where}: moving the branch`);
      }
      return { status: 'committed', commit: commit.data.sha };
    },
  };
}

/** The commit a branch points at, or undefined when there is no such branch. */
async function readBranch(
  octokit: Octokit,
  owner: string,
  repo: string,
  branch: string,
): Promise<string | undefined> {
  try {
    const { data } = await octokit.rest.git.getRef({ owner, repo, ref: `heads/${branch}` });
    return data.ref === `refs/heads/${branch}` ? data.object.sha : undefined;
  } catch (error) {
    // The repository answered for the parent commit just before, so 404 means the branch.
    if ((error as { status?: unknown }).status === 404) return undefined;
    throw error;
  }
}

function checkRequest(request: CodeOwnersCommit): void {
  const { branch, parent } = request;
  if (!OBJECT_ID.test(parent)) {
    throw new Error(
      `CODEOWNERS commit: expected the parent as a 40-hex commit id, found "${parent}"`,
    );
  }
  // The branch name becomes part of a URL path and a ref: refuse what git itself refuses.
  if (
    branch === '' ||
    branch.startsWith('refs/') ||
    branch.startsWith('/') ||
    branch.endsWith('/') ||
    branch.endsWith('.lock') ||
    branch.includes('..') ||
    branch.includes('//') ||
    CONTROL_OR_SPACE.test(branch) ||
    /[~^:?*[\\]/.test(branch)
  ) {
    throw new Error(
      `CODEOWNERS commit: expected a branch name without "refs/heads/", found "${branch}"`,
    );
  }
  if (request.message.trim() === '') {
    throw new Error('CODEOWNERS commit: the commit message is empty');
  }
}
