import type { RepositoryRef } from './repository-source.ts';

/**
 * Commits a regenerated `.github/CODEOWNERS` to a branch. GitHub in production (a commit made
 * by the GitHub App), the local repository in the embedded default.
 */
export interface CodeOwnersWriter {
  /**
   * Commits `content` as the file on top of `parent`, only if `branch` still points at
   * `parent`: a file computed from one commit must never land on top of a newer one. The
   * push that this commit causes reaches the pipeline like any other and changes nothing.
   */
  write(request: CodeOwnersCommit): Promise<CodeOwnersWriteResult>;
}

/** What to commit, and where. */
export interface CodeOwnersCommit {
  readonly repository: RepositoryRef;
  /** The branch name, without `refs/heads/`. */
  readonly branch: string;
  /** The commit the content was computed from; the new commit's only parent. */
  readonly parent: string;
  /** The whole file. */
  readonly content: string;
  readonly message: string;
}

/** The new commit, or why none was made. */
export type CodeOwnersWriteResult =
  | { readonly status: 'committed'; readonly commit: string }
  /** The branch moved on since `parent`: the newer push regenerates the file itself. */
  | { readonly status: 'branch-moved' }
  /** The writer does not commit (the embedded default); `reason` says what to do instead. */
  | { readonly status: 'not-written'; readonly reason: string };
