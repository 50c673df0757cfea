import type { DocumentStore } from '../../shared/ports/document-store.ts';

/** A store that counts the documents written through it, for what a benchmark reports. */
export interface CountingStore extends DocumentStore {
  /** Documents written since the last {@link CountingStore.reset}. */
  readonly written: number;
  reset(): void;
}

/** Wraps a real store, counting each document of each `write`; transactions are not counted. */
export function countingStore(store: DocumentStore): CountingStore {
  let written = 0;
  return {
    get written() {
      return written;
    },
    reset() {
      written = 0;
    },
    get: (path) => store.get(path),
    getAll: (paths) => store.getAll(paths),
    list: (collection) => store.list(collection),
    transact: (work) => store.transact(work),
    write: (writes) => {
      written += writes.length;
      return store.write(writes);
    },
  };
}
