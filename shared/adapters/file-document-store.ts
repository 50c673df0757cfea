import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type {
  DocumentData,
  DocumentStore,
  DocumentTransaction,
  DocumentWrite,
  StoredDocument,
} from '../ports/document-store.ts';
import { parseCollectionPath, parseDocumentPath } from './document-path.ts';
import { FileLock, hasCode } from './file-lock.ts';
import { fileNameForId } from './file-names.ts';
import { checkJsonDocument } from './json-document.ts';

/** Options of {@link FileDocumentStore}. */
export interface FileDocumentStoreOptions {
  /** The folder of the state, made on the first write (the CLI's is `.infrastream/state`). */
  readonly root: string;
  /** How long a write or transaction waits for another process's; default one minute. */
  readonly lockTimeoutMs?: number;
  /** Age at which a lock is broken even if its holder cannot be shown dead; default 10 min. */
  readonly staleLockMs?: number;
}

/** A write made ready to apply: where it goes and, for a set, the file's exact content. */
interface PreparedWrite {
  readonly path: string;
  readonly segments: readonly string[];
  /** Undefined for a delete. */
  readonly content: string | undefined;
}

/**
 * The journal of the transaction being committed, `<root>/journal.json`:
 * `{"writes": [{"path": "a/b", "content": "<the document file>"} | {"path": "a/c"}]}`.
 * It is complete before any document changes and removed once all have, so a journal found
 * on opening is a commit cut short, and applying it again finishes it.
 */
const JOURNAL = 'journal.json';
const LOCK = 'lock';
const DOCUMENTS = 'documents';
/** Writes applied between two turns of the event loop, so that a large write never stalls it. */
const WRITES_PER_TURN = 500;

/**
 * The embedded persistent {@link DocumentStore}: one JSON file per document under
 * `<root>/documents`, a collection being a folder and a document's subcollections living in
 * `<id>.d/` beside its `<id>.json`. Each file is written whole and renamed into place, so a
 * reader never sees half a document. Writes and transactions hold an exclusive lock shared
 * by every process using the folder, and a transaction commits through a journal, so it
 * lands whole even when its process is killed midway. This survives the crash of a process,
 * not the loss of power (nothing is fsynced: that would cost milliseconds per document).
 */
export class FileDocumentStore implements DocumentStore {
  readonly #root: string;
  readonly #lock: FileLock;
  #queue: Promise<unknown> = Promise.resolve();
  #recovered: Promise<void> | undefined;
  readonly #folders = new Set<string>();

  constructor(options: FileDocumentStoreOptions) {
    this.#root = options.root;
    this.#lock = new FileLock(join(this.#root, LOCK), {
      timeoutMs: options.lockTimeoutMs ?? 60_000,
      staleAfterMs: options.staleLockMs ?? 600_000,
    });
  }

  /** One document, or undefined when there is none. */
  async get(path: string): Promise<DocumentData | undefined> {
    const segments = parseDocumentPath(path);
    await this.#readable();
    return this.#read(segments)?.data;
  }

  /** Every document directly in the collection, ordered by id (by UTF-8 bytes, as Firestore). */
  async list(collection: string): Promise<readonly StoredDocument[]> {
    const folder = this.#collectionFolder(parseCollectionPath(collection));
    await this.#readable();
    let entries;
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch (error) {
      if (hasCode(error, 'ENOENT')) return [];
      throw error;
    }
    const documents: StoredDocument[] = [];
    for (const entry of entries) {
      if (!entry.isFile() || !entry.name.endsWith('.json')) continue;
      const stored = readDocumentFile(join(folder, entry.name));
      if (stored !== undefined) documents.push(stored);
    }
    return documents.sort((a, b) => Buffer.compare(Buffer.from(a.id), Buffer.from(b.id)));
  }

  /** Applies the writes in order, each atomically; all are checked before any is applied. */
  async write(writes: readonly DocumentWrite[]): Promise<void> {
    const prepared = writes.map((write) =>
      prepare(write.path, write.kind === 'set' ? write.data : undefined),
    );
    for (let start = 0; start < prepared.length; start += WRITES_PER_TURN) {
      const chunk = prepared.slice(start, start + WRITES_PER_TURN);
      await this.#exclusive(() => {
        for (const write of chunk) this.#apply(write);
        return Promise.resolve();
      });
    }
  }

  /**
   * Runs `work` holding the store's lock, so its reads see no other writer, then commits its
   * writes through the journal. Nothing is written when `work` throws.
   */
  transact<T>(work: (transaction: DocumentTransaction) => Promise<T>): Promise<T> {
    return this.#exclusive(async () => {
      const writes = new Map<string, PreparedWrite>();
      const transaction: DocumentTransaction = {
        get: (path) => {
          const segments = parseDocumentPath(path);
          if (writes.size > 0) return Promise.reject(new Error(readAfterWrite(path)));
          return Promise.resolve(this.#read(segments)?.data);
        },
        set: (path, data) => {
          const write = prepare(path, data);
          writes.delete(write.path);
          writes.set(write.path, write);
        },
        delete: (path) => {
          const write = prepare(path, undefined);
          writes.delete(write.path);
          writes.set(write.path, write);
        },
      };
      const result = await work(transaction);
      if (writes.size > 0) this.#commit([...writes.values()]);
      return result;
    });
  }

  /** Serializes with this process's other writers, then with other processes by the lock. */
  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = async () => {
      // Made on the first write, so that merely reading leaves no folder behind.
      mkdirSync(this.#root, { recursive: true });
      await this.#lock.acquire();
      try {
        this.#replayJournal();
        return await work();
      } finally {
        this.#lock.release();
      }
    };
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /**
   * Waits until a journal left by a crash is replayed. Commits are synchronous, so no read in
   * this process ever runs while one is halfway.
   */
  async #readable(): Promise<void> {
    // Only a journal needs the lock: reads never wait for another process's writes.
    this.#recovered ??= existsSync(join(this.#root, JOURNAL))
      ? this.#exclusive(() => Promise.resolve())
      : Promise.resolve();
    await this.#recovered;
  }

  #commit(writes: readonly PreparedWrite[]): void {
    const journal = join(this.#root, JOURNAL);
    const entries = writes.map(({ path, content }) =>
      content === undefined ? { path } : { path, content },
    );
    writeFileSync(`${journal}.tmp`, JSON.stringify({ writes: entries }));
    renameSync(`${journal}.tmp`, journal);
    for (const write of writes) this.#apply(write);
    unlinkSync(journal);
  }

  #replayJournal(): void {
    const journal = join(this.#root, JOURNAL);
    let text;
    try {
      text = readFileSync(journal, 'utf8');
    } catch (error) {
      if (hasCode(error, 'ENOENT')) return;
      throw error;
    }
    for (const { path, content } of parseJournal(journal, text)) {
      this.#apply({ path, segments: parseDocumentPath(path), content });
    }
    unlinkSync(journal);
  }

  #apply(write: PreparedWrite): void {
    const file = this.#documentFile(write.segments);
    if (write.content === undefined) {
      try {
        unlinkSync(file);
      } catch (error) {
        if (!hasCode(error, 'ENOENT')) throw error;
      }
      return;
    }
    const folder = this.#collectionFolder(write.segments.slice(0, -1));
    if (!this.#folders.has(folder)) {
      mkdirSync(folder, { recursive: true });
      this.#folders.add(folder);
    }
    const temporary = `${file}.${String(process.pid)}.tmp`;
    try {
      writeFileSync(temporary, write.content);
    } catch (error) {
      // The folder was removed behind this store's back: make it again, once.
      if (!hasCode(error, 'ENOENT')) throw error;
      mkdirSync(folder, { recursive: true });
      writeFileSync(temporary, write.content);
    }
    renameSync(temporary, file);
  }

  #read(segments: readonly string[]): StoredDocument | undefined {
    return readDocumentFile(this.#documentFile(segments));
  }

  #documentFile(segments: readonly string[]): string {
    const id = segments.at(-1) ?? '';
    return join(this.#collectionFolder(segments.slice(0, -1)), `${fileNameForId(id)}.json`);
  }

  #collectionFolder(segments: readonly string[]): string {
    const names = segments.map((segment, index) =>
      index % 2 === 0 ? fileNameForId(segment) : `${fileNameForId(segment)}.d`,
    );
    return join(this.#root, DOCUMENTS, ...names);
  }
}

function prepare(path: string, data: unknown): PreparedWrite {
  const segments = parseDocumentPath(path);
  if (data === undefined) return { path, segments, content: undefined };
  const checked = checkJsonDocument(path, data);
  const id = segments.at(-1) ?? '';
  return { path, segments, content: `${JSON.stringify({ id, data: checked })}\n` };
}

function readDocumentFile(file: string): StoredDocument | undefined {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (hasCode(error, 'ENOENT')) return undefined;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`Corrupt document file ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const { id, data } = (parsed ?? {}) as { id?: unknown; data?: unknown };
  if (typeof id !== 'string' || typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new Error(`Corrupt document file ${file}: expected {"id": string, "data": object}`);
  }
  return { id, data: data as DocumentData };
}

function parseJournal(file: string, text: string): { path: string; content?: string }[] {
  const parsed = JSON.parse(text) as { writes?: unknown };
  const writes = parsed.writes;
  const valid =
    Array.isArray(writes) &&
    writes.every(
      (entry: { path?: unknown; content?: unknown }) =>
        typeof entry.path === 'string' &&
        (entry.content === undefined || typeof entry.content === 'string'),
    );
  if (!valid) throw new Error(`Corrupt journal ${file}: expected {"writes": [{path, content?}]}`);
  return writes as { path: string; content?: string }[];
}

function readAfterWrite(path: string): string {
  return `Transaction read of "${path}" after a write: a transaction's reads come before its writes`;
}
