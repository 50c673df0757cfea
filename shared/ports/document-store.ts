/**
 * The pipeline's state as documents: Firestore in Google Cloud and on its emulator, files
 * under `.infrastream/` in the embedded default. Paths are slash-separated and alternate
 * collection and document ids (`repositories/acme~platform/commits/4f1c…`); ids never
 * contain `/` (see `documentId` in the pipeline state model).
 *
 * Values are JSON: objects, arrays, strings, finite numbers, booleans and null. `undefined`
 * is never stored; a caller leaves the field out instead.
 */
export interface DocumentStore {
  /** One document, or undefined when there is none at that path. */
  get(path: string): Promise<DocumentData | undefined>;

  /**
   * Several documents as they all stood at one moment, in the order of `paths`: what one
   * reader needs to see together, without holding anything against writers.
   */
  getAll(paths: readonly string[]): Promise<(DocumentData | undefined)[]>;

  /** Every document directly in a collection, ordered by id. */
  list(collection: string): Promise<readonly StoredDocument[]>;

  /**
   * Applies many writes, in batches the backend accepts; of writes to one path the last
   * wins. Each document write is atomic; the set is not, so callers write documents first
   * and the small pointer that makes them current last, and only write values that are safe
   * to write again (puts, not increments).
   */
  write(writes: readonly DocumentWrite[]): Promise<void>;

  /**
   * Runs `work` in a transaction: its reads see one consistent snapshot and its writes land
   * together or not at all. A backend retries `work` on contention, so it must have no effect
   * other than through the transaction. Reads come before writes.
   */
  transact<T>(work: (transaction: DocumentTransaction) => Promise<T>): Promise<T>;
}

/** A stored document's fields. */
export type DocumentData = Readonly<Record<string, unknown>>;

/** A document with its id (the last segment of its path). */
export interface StoredDocument {
  readonly id: string;
  readonly data: DocumentData;
}

/** One write of {@link DocumentStore.write}: replace a document, or delete it. */
export type DocumentWrite =
  | { readonly kind: 'set'; readonly path: string; readonly data: DocumentData }
  | { readonly kind: 'delete'; readonly path: string };

/** The reads and writes of one transaction. */
export interface DocumentTransaction {
  get(path: string): Promise<DocumentData | undefined>;
  /** Several documents in one read, in the order of `paths` (one round trip in Firestore). */
  getAll(paths: readonly string[]): Promise<(DocumentData | undefined)[]>;
  /** Replaces the document (creating it when missing). */
  set(path: string, data: DocumentData): void;
  delete(path: string): void;
}
