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
  type CommitSnapshotDocument,
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

/** What looking for a commit's snapshot found. */
export type SnapshotLookup =
  | { readonly status: 'found'; readonly key: string; readonly contents: SnapshotContents }
  /** No snapshot was written for the commit (or it was collected). */
  | { readonly status: 'missing' }
  /** One was, but it cannot be used: another format, a chunk missing, bytes that do not match. */
  | { readonly status: 'unusable'; readonly key: string; readonly reason: string };

/** A recorded revision, as collection reads it. */
interface RevisionRecord {
  readonly commit: string;
  readonly recordedAt: string;
}

/**
 * The snapshots of the governed repository's valid revisions, in its documents: parse
 * writes one, the stages after it read it instead of reading and parsing the revision's
 * files again on a cold instance. A snapshot is named by the hash of its bytes, and a
 * small document per commit says which one the commit's revision is: commits of the same
 * tree share one. Nothing depends on a snapshot being there: whoever finds none, or one
 * that does not check out, parses the revision.
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
   * Writes the snapshot of `commit`'s revision: its chunks unless the same snapshot is
   * stored already, then the snapshot's document (last: it says the chunks are all there)
   * and the commit's. Writing it again is harmless: the same content has the same key.
   */
  async save(commit: string, contents: SnapshotContents, now: string): Promise<string> {
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
    const pointer: CommitSnapshotDocument = { key, format: SNAPSHOT_FORMAT, chunks };
    await this.#store.write([
      { kind: 'set', path: paths.snapshot(key), data: toData(snapshot) },
      { kind: 'set', path: paths.commitSnapshot(commit), data: toData(pointer) },
    ]);
    return key;
  }

  /** The snapshot of `commit`'s revision, checked against its key, or why there is none. */
  async find(commit: string): Promise<SnapshotLookup> {
    const paths = this.#paths;
    const pointer = (await this.#store.get(paths.commitSnapshot(commit))) as
      CommitSnapshotDocument | undefined;
    if (pointer === undefined) return { status: 'missing' };
    const { key } = pointer;
    if (pointer.format !== SNAPSHOT_FORMAT) {
      return {
        status: 'unusable',
        key,
        reason: `its format is ${String(pointer.format)}, not ${SNAPSHOT_FORMAT}`,
      };
    }
    const chunks = await this.#store.getAll(
      Array.from({ length: pointer.chunks }, (_, chunk) => paths.snapshotChunk(key, chunk)),
    );
    const parts: Buffer[] = [];
    for (const [chunk, document] of chunks.entries()) {
      const data = (document as SnapshotChunkDocument | undefined)?.data;
      if (typeof data !== 'string') {
        return {
          status: 'unusable',
          key,
          reason: `chunk ${chunk} of ${pointer.chunks} is missing`,
        };
      }
      parts.push(Buffer.from(data, 'base64'));
    }
    const decoded = decodeRevisionSnapshot(Buffer.concat(parts), key);
    return decoded.ok
      ? { status: 'found', key, contents: decoded.contents }
      : { status: 'unusable', key, reason: decoded.reason };
  }

  /**
   * Deletes the snapshots no stage is likely to read again, once revision `sequence` is
   * recorded: those of neither of the last {@link KEPT_SNAPSHOT_REVISIONS} revisions, and
   * written before the oldest of them was recorded (a newer one may be a commit on its way
   * through the stages, or a plan of another branch). Chunks go first: a snapshot
   * document left without them is collected next time, never chunks without theirs.
   * Returns how many snapshots were deleted.
   */
  async collect(sequence: number): Promise<number> {
    const paths = this.#paths;
    const first = Math.max(1, sequence - KEPT_SNAPSHOT_REVISIONS + 1);
    const revisions = (
      await this.#store.getAll(
        Array.from({ length: sequence - first + 1 }, (_, index) => paths.revision(first + index)),
      )
    ).filter((revision) => revision !== undefined) as unknown as RevisionRecord[];
    const oldest = revisions[0];
    if (oldest === undefined) return 0;
    const pointers = await this.#store.getAll(
      revisions.map((revision) => paths.commitSnapshot(revision.commit)),
    );
    const kept = new Set(
      pointers.map((pointer) => (pointer as CommitSnapshotDocument | undefined)?.key),
    );
    const collected = (await this.#store.list(paths.snapshots)).filter(
      ({ id, data }) =>
        !kept.has(id) && (data as unknown as SnapshotDocument).writtenAt < oldest.recordedAt,
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
