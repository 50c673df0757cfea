/**
 * Reads a repository's content by commit: GitHub's REST API in production, the local git
 * object store in the embedded default. The pipeline reads the whole tree at the pushed
 * commit itself and never trusts file lists or contents that came with a webhook.
 */
export interface RepositorySource {
  /**
   * Every file (blob) of the tree at `commit`, recursively, with its blob id. Fails rather
   * than returns part of a tree (GitHub truncates very large trees): a partial tree would
   * read as deleted manifests.
   */
  tree(repository: RepositoryRef, commit: string): Promise<readonly TreeEntry[]>;

  /** The content of one blob. Blob ids name content, so a caller may cache by id forever. */
  blob(repository: RepositoryRef, blobId: string): Promise<Uint8Array>;

  /** Whether `ancestor` is `descendant` or one of its ancestors. */
  isAncestor(repository: RepositoryRef, ancestor: string, descendant: string): Promise<boolean>;
}

/** A repository by owner and name, as GitHub names it. */
export interface RepositoryRef {
  readonly owner: string;
  readonly name: string;
  /** GitHub's repository id, when known: what the pipeline keys the repository's state by. */
  readonly id?: number;
}

/** One file of a tree. */
export interface TreeEntry {
  /** Slash-separated path from the repository root. */
  readonly path: string;
  /** The git object id of its content. */
  readonly blob: string;
  /** Its size in bytes, when the source knows it without reading the blob. */
  readonly size?: number;
}
