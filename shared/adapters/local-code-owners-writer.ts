import type {
  CodeOwnersCommit,
  CodeOwnersWriter,
  CodeOwnersWriteResult,
} from '../ports/code-owners-writer.ts';

/**
 * The embedded {@link CodeOwnersWriter}: never commits to the user's repository behind their
 * back. It keeps the file it would have committed; `infrastream codeowners --write` writes it.
 */
export class LocalCodeOwnersWriter implements CodeOwnersWriter {
  readonly proposed: CodeOwnersCommit[] = [];

  write(request: CodeOwnersCommit): Promise<CodeOwnersWriteResult> {
    this.proposed.push(request);
    return Promise.resolve({
      status: 'not-written',
      reason: 'the embedded pipeline does not commit; run `infrastream codeowners --write`',
    });
  }
}
