import type { GovernedRepository } from '../core/pipeline/governed-repository.ts';
import type { DocumentStore, DocumentWrite } from '../ports/document-store.ts';
import { toData } from './repository-state.ts';
import {
  decodeRevisionSnapshot,
  encodeRevisionSnapshot,
  SNAPSHOT_FORMAT,
  type SnapshotContents,
} from './revision-snapshot.ts';
import {
  repositoryPaths,
  type CommitDocument,
  type RepositoryPaths,
  type SnapshotChunkDocument,
  type SnapshotDocument,
} from './state-documents.ts';

/**
 * Bytes of snapshot per chunk document: as base64, 900 KiB, under Firestore's 1 MiB per
 * document with room for its name and field.
 */
export const SNAPSHOT_CHUNK_BYTES = (900 * 1024 * 3) / 4;

/** The recorded revisions whose snapshots collection keeps: the current one and a few before. */
export const KEPT_SNAPSHOT_REVISIONS = 5;

/** What reading a snapshot by its key found. */
export type SnapshotLookup =
  | { readonly status: 'found'; readonly contents: SnapshotContents }
  /** No snapshot of that key is stored: never written, or collected. */
  | { readonly status: 'missing' }
  /** One is, but it cannot be used: another format, a chunk missing, bytes that do not match. */
  | { readonly status: 'unusable'; readonly reason: string };

/** A recorded revision, as collection reads it. */
interface RevisionRecord {
  readonly commit: string;
}

/**
 * The snapshots of the governed repository's valid revisions, in its documents: parse
 * writes one, the stages after it read it instead of reading and parsing the revision's
 * files again on a cold instance. A snapshot is named by the hash of its bytes, so commits
 * of the same tree share one. Its key reaches the stages in the pipeline's messages only:
 * whoever can write the store can write bytes that hash to a key of their own, so no
 * document here says which snapshot a commit's revision is. Nothing depends on a snapshot
 * being there: whoever finds none, or one that does not check out, parses the revision.
 */
export class SnapshotStore {
  readonly #store: DocumentStore;
  readonly #paths: RepositoryPaths;
  readonly #chunkBytes: number;

  constructor(
    store: DocumentStore,
    repository: GovernedRepository,
    options: {
      /** Bytes per chunk document; {@link SNAPSHOT_CHUNK_BYTES} unless a test needs many. */
      readonly chunkBytes?: number;
    } = {},
  ) {
    this.#store = store;
    this.#paths = repositoryPaths(repository);
    this.#chunkBytes = options.chunkBytes ?? SNAPSHOT_CHUNK_BYTES;
  }

  /**
   * Writes the snapshot of a revision and returns its key: its chunks unless the same
   * snapshot is stored already, then its document (last: it says the chunks are all there).
   * Writing it again is harmless: the same content has the same key.
   */
  async save(contents: SnapshotContents, now: string): Promise<string> {
    const { key, bytes } = encodeRevisionSnapshot(contents);
    const paths = this.#paths;
    const size = this.#chunkBytes;
    const chunks = Math.max(1, Math.ceil(bytes.length / size));
    const stored = (await this.#store.get(paths.snapshot(key))) as SnapshotDocument | undefined;
    if (stored?.format !== SNAPSHOT_FORMAT || stored.chunks !== chunks) {
      const writes: DocumentWrite[] = [];
      for (let chunk = 0; chunk < chunks; chunk++) {
        const slice = bytes.subarray(chunk * size, (chunk + 1) * size);
        const data: SnapshotChunkDocument = { data: Buffer.from(slice).toString('base64') };
        writes.push({ kind: 'set', path: paths.snapshotChunk(key, chunk), data: toData(data) });
      }
      await this.#store.write(writes);
    }
    const snapshot: SnapshotDocument = {
      format: SNAPSHOT_FORMAT,
      bytes: bytes.length,
      chunks,
      writtenAt: now,
    };
    await this.#store.write([{ kind: 'set', path: paths.snapshot(key), data: toData(snapshot) }]);
    return key;
  }

  /** The snapshot of key `key`, checked against it, or why it cannot be read. */
  async read(key: string): Promise<SnapshotLookup> {
    const paths = this.#paths;
    const snapshot = (await this.#store.get(paths.snapshot(key))) as SnapshotDocument | undefined;
    if (snapshot === undefined) return { status: 'missing' };
    if (snapshot.format !== SNAPSHOT_FORMAT) {
      return {
        status: 'unusable',
        reason: `its format is ${String(snapshot.format)}, not ${SNAPSHOT_FORMAT}`,
      };
    }
    const chunks = await this.#store.getAll(
      Array.from({ length: snapshot.chunks }, (_, chunk) => paths.snapshotChunk(key, chunk)),
    );
    const parts: Buffer[] = [];
    for (const [chunk, document] of chunks.entries()) {
      const data = (document as SnapshotChunkDocument | undefined)?.data;
      if (typeof data !== 'string') {
        return { status: 'unusable', reason: `chunk ${chunk} of ${snapshot.chunks} is missing` };
      }
      parts.push(Buffer.from(data, 'base64'));
    }
    const decoded = decodeRevisionSnapshot(Buffer.concat(parts), key);
    return decoded.ok
      ? { status: 'found', contents: decoded.contents }
      : { status: 'unusable', reason: decoded.reason };
  }

  /**
   * Deletes the snapshots no stage is likely to read again, once revision `sequence` is
   * recorded: those written before the commits of the last {@link KEPT_SNAPSHOT_REVISIONS}
   * revisions were validated. Each of those had its snapshot written (again) once validated,
   * and what was written since may be a commit on its way through the stages, or a plan of
   * another branch. Chunks go first: a snapshot document left without them is collected
   * next time, never chunks without theirs. Returns how many snapshots were deleted.
   */
  async collect(sequence: number): Promise<number> {
    const paths = this.#paths;
    const first = Math.max(1, sequence - KEPT_SNAPSHOT_REVISIONS + 1);
    const revisions = (
      await this.#store.getAll(
        Array.from({ length: sequence - first + 1 }, (_, index) => paths.revision(first + index)),
      )
    ).filter((revision) => revision !== undefined) as unknown as RevisionRecord[];
    const commits = await this.#store.getAll(
      revisions.map((revision) => paths.commit(revision.commit)),
    );
    // The commit being recorded may not be marked validated yet (parse hands it on first):
    // the others' times spare its snapshot, written after theirs; alone, nothing goes.
    const validated = commits
      .map((commit) => (commit as CommitDocument | undefined)?.stages.parse?.at)
      .filter((at) => at !== undefined);
    if (validated.length === 0) return 0;
    const since = validated.reduce((earliest, at) => (at < earliest ? at : earliest));
    const collected = (await this.#store.list(paths.snapshots)).filter(
      ({ data }) => (data as unknown as SnapshotDocument).writtenAt < since,
    );
    if (collected.length === 0) return 0;
    await this.#store.write(
      collected.flatMap(({ id, data }) =>
        Array.from({ length: (data as unknown as SnapshotDocument).chunks }, (_, chunk) => ({
          kind: 'delete' as const,
          path: paths.snapshotChunk(id, chunk),
        })),
      ),
    );
    await this.#store.write(
      collected.map(({ id }) => ({ kind: 'delete' as const, path: paths.snapshot(id) })),
    );
    return collected.length;
  }
}
