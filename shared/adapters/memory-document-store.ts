import type {
  DocumentData,
  DocumentStore,
  DocumentTransaction,
  DocumentWrite,
  StoredDocument,
} from '../ports/document-store.ts';

/**
 * A {@link DocumentStore} in this process's memory, for a pipeline that keeps nothing after it
 * ends. Transactions and batched writes run one at a time, so every transaction sees one
 * snapshot and lands whole. Values are copied through JSON on the way in and out, as a real
 * store would serialize them.
 */
export class MemoryDocumentStore implements DocumentStore {
  readonly #documents = new Map<string, string>();
  #queue: Promise<unknown> = Promise.resolve();

  get(path: string): Promise<DocumentData | undefined> {
    const text = this.#documents.get(path);
    return Promise.resolve(text === undefined ? undefined : (JSON.parse(text) as DocumentData));
  }

  list(collection: string): Promise<readonly StoredDocument[]> {
    const prefix = `${collection}/`;
    const found: StoredDocument[] = [];
    for (const [path, text] of this.#documents) {
      const id = path.slice(prefix.length);
      if (path.startsWith(prefix) && !id.includes('/')) {
        found.push({ id, data: JSON.parse(text) as DocumentData });
      }
    }
    return Promise.resolve(found.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
  }

  write(writes: readonly DocumentWrite[]): Promise<void> {
    return this.#serialized(() => {
      for (const write of writes) this.#apply(write);
      return Promise.resolve();
    });
  }

  transact<T>(work: (transaction: DocumentTransaction) => Promise<T>): Promise<T> {
    return this.#serialized(async () => {
      const pending: DocumentWrite[] = [];
      const result = await work({
        get: (path) => this.get(path),
        set: (path, data) => pending.push({ kind: 'set', path, data }),
        delete: (path) => pending.push({ kind: 'delete', path }),
      });
      for (const write of pending) this.#apply(write);
      return result;
    });
  }

  #apply(write: DocumentWrite): void {
    if (write.kind === 'delete') this.#documents.delete(write.path);
    else this.#documents.set(write.path, JSON.stringify(write.data));
  }

  #serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
