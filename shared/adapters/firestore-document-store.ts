import {
  FieldPath,
  Firestore,
  type DocumentData as FirestoreData,
  type Settings,
} from '@google-cloud/firestore';
import type {
  DocumentData,
  DocumentStore,
  DocumentTransaction,
  DocumentWrite,
  StoredDocument,
} from '../ports/document-store.ts';
import { mapConcurrently } from '../core/async/map-concurrently.ts';
import { parseCollectionPath, parseDocumentPath } from './document-path.ts';
import { googleApiError } from './google-api-error.ts';
import { fromFirestoreData, toFirestoreData } from './firestore-json-codec.ts';
import { checkJsonDocument } from './json-document.ts';

/** Options of {@link FirestoreDocumentStore}. */
export interface FirestoreDocumentStoreOptions {
  readonly projectId: string;
  /** Default `(default)`. */
  readonly databaseId?: string;
  /**
   * `host:port` of a Firestore emulator: the client then speaks plaintext and sends the
   * emulator's administrator token (`Authorization: Bearer owner`) instead of credentials.
   * Note that the client library lets `FIRESTORE_EMULATOR_HOST`, when set, override this.
   */
  readonly emulatorHost?: string;
}

/** Batches committed at once by one `write`. */
const CONCURRENT_COMMITS = 8;

/** Firestore's limit on the writes of one commit. */
const MAX_WRITES_PER_COMMIT = 500;
/**
 * Firestore refuses requests over 10 MiB, its emulator gRPC messages over 4 MiB. A write's
 * size is estimated by its JSON, which is close to its wire size but not equal, hence the
 * margins.
 */
const MAX_BYTES_PER_COMMIT = 8 * 1024 * 1024;
const MAX_BYTES_PER_EMULATOR_COMMIT = 3 * 1024 * 1024;
/** What a write costs besides its data: the document name and the protocol's framing. */
const WRITE_OVERHEAD_BYTES = 256;

interface PreparedWrite {
  readonly path: string;
  /** Undefined for a delete. */
  readonly data: DocumentData | undefined;
  readonly bytes: number;
}

/**
 * The {@link DocumentStore} on Firestore (in Google Cloud or on its emulator). Small fields
 * are stored as native fields, large ones and any Firestore cannot hold as they are as JSON
 * text (see `toFirestoreData`), so any JSON document round-trips exactly.
 */
export class FirestoreDocumentStore implements DocumentStore {
  readonly #db: Firestore;
  readonly #maxCommitBytes: number;

  constructor(options: FirestoreDocumentStoreOptions) {
    const settings: Settings = { projectId: options.projectId };
    if (options.databaseId !== undefined) settings.databaseId = options.databaseId;
    this.#maxCommitBytes = MAX_BYTES_PER_COMMIT;
    if (options.emulatorHost !== undefined) {
      // With ssl off the client uses no credentials and adds the emulator's owner token.
      settings.host = options.emulatorHost;
      settings.ssl = false;
      // Named, so that the client does not look for credentials (and a metadata server) to
      // learn it.
      settings['universeDomain'] = 'googleapis.com';
      this.#maxCommitBytes = MAX_BYTES_PER_EMULATOR_COMMIT;
    }
    this.#db = new Firestore(settings);
  }

  /** One document, or undefined when there is none. */
  async get(path: string): Promise<DocumentData | undefined> {
    const reference = this.#db.doc(parseDocumentPath(path).join('/'));
    const snapshot = await refused(`reading ${path}`, reference.get());
    const data = snapshot.data();
    return data === undefined ? undefined : fromFirestoreData(data);
  }

  /** Read in one read-only transaction: one point in time, and no lock held on writers. */
  async getAll(paths: readonly string[]): Promise<(DocumentData | undefined)[]> {
    if (paths.length === 0) return [];
    const references = paths.map((path) => this.#db.doc(parseDocumentPath(path).join('/')));
    const snapshots = await refused(
      `reading ${paths.length} documents`,
      this.#db.runTransaction((transaction) => transaction.getAll(...references), {
        readOnly: true,
      }),
    );
    return snapshots.map((snapshot) => {
      const data = snapshot.data();
      return data === undefined ? undefined : fromFirestoreData(data);
    });
  }

  /** Every document directly in the collection, ordered by id. */
  async list(collection: string): Promise<readonly StoredDocument[]> {
    const reference = this.#db.collection(parseCollectionPath(collection).join('/'));
    const snapshot = await refused(
      `listing ${collection}`,
      reference.orderBy(FieldPath.documentId()).get(),
    );
    return snapshot.docs.map((document) => ({
      id: document.id,
      data: fromFirestoreData(document.data()),
    }));
  }

  /**
   * Commits the writes in batches within Firestore's limits, several batches at once (one
   * after the other, a large push spends most of its time waiting on round trips). Every
   * write is checked before the first batch is sent. Of several writes to one path only the
   * last is sent, so that batches landing in any order still leave the last one standing.
   */
  async write(writes: readonly DocumentWrite[]): Promise<void> {
    const last = new Map<string, PreparedWrite>();
    for (const write of writes) {
      const prepared = prepare(write.path, write.kind === 'set' ? write.data : undefined);
      last.delete(prepared.path);
      last.set(prepared.path, prepared);
    }
    const batches = [...chunks([...last.values()], this.#maxCommitBytes)];
    await mapConcurrently(batches, CONCURRENT_COMMITS, async (chunk) => {
      const batch = this.#db.batch();
      for (const write of chunk) {
        const reference = this.#db.doc(write.path);
        if (write.data === undefined) batch.delete(reference);
        else batch.set(reference, write.data);
      }
      await refused(`writing ${chunk.length} documents`, batch.commit());
    });
  }

  /**
   * Runs `work` in a Firestore transaction, which retries it on contention. Firestore's own
   * errors reach the transaction as the client threw them, so that it knows which to retry;
   * what finally fails is classified once, here.
   */
  transact<T>(work: (transaction: DocumentTransaction) => Promise<T>): Promise<T> {
    return refused('a transaction', this.#transaction(work));
  }

  #transaction<T>(work: (transaction: DocumentTransaction) => Promise<T>): Promise<T> {
    return this.#db.runTransaction(async (firestoreTransaction) => {
      let wrote = false;
      const reference = (path: string) => {
        const found = this.#db.doc(parseDocumentPath(path).join('/'));
        if (wrote) {
          throw new Error(
            `Transaction read of "${path}" after a write: ` +
              `a transaction's reads come before its writes`,
          );
        }
        return found;
      };
      const decoded = (data: FirestoreData | undefined) =>
        data === undefined ? undefined : fromFirestoreData(data);
      const transaction: DocumentTransaction = {
        get: async (path) => decoded((await firestoreTransaction.get(reference(path))).data()),
        getAll: async (paths) => {
          if (paths.length === 0) return [];
          const snapshots = await firestoreTransaction.getAll(...paths.map(reference));
          return snapshots.map((snapshot) => decoded(snapshot.data()));
        },
        set: (path, data) => {
          const write = prepare(path, data);
          wrote = true;
          firestoreTransaction.set(this.#db.doc(write.path), write.data ?? {});
        },
        delete: (path) => {
          const write = prepare(path, undefined);
          wrote = true;
          firestoreTransaction.delete(this.#db.doc(write.path));
        },
      };
      return work(transaction);
    });
  }

  /** Closes the client's connections; the store cannot be used afterwards. */
  close(): Promise<void> {
    return this.#db.terminate();
  }
}

/** `request`, its failure classified (see `googleRpcFailure`): the store's errors are Firestore's. */
async function refused<T>(doing: string, request: Promise<T>): Promise<T> {
  try {
    return await request;
  } catch (error) {
    throw googleApiError('Firestore', doing, error);
  }
}

function prepare(path: string, data: unknown): PreparedWrite {
  const canonical = parseDocumentPath(path).join('/');
  if (data === undefined) return { path: canonical, data: undefined, bytes: 0 };
  const stored = toFirestoreData(checkJsonDocument(path, data));
  return { path: canonical, data: stored, bytes: Buffer.byteLength(JSON.stringify(stored)) };
}

function* chunks(
  writes: readonly PreparedWrite[],
  maxBytes: number,
): Generator<readonly PreparedWrite[]> {
  let chunk: PreparedWrite[] = [];
  let bytes = 0;
  for (const write of writes) {
    const size = write.bytes + Buffer.byteLength(write.path) + WRITE_OVERHEAD_BYTES;
    if (chunk.length > 0 && (chunk.length === MAX_WRITES_PER_COMMIT || bytes + size > maxBytes)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(write);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}
