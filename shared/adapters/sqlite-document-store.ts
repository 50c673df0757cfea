import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type {
  DocumentData,
  DocumentStore,
  DocumentTransaction,
  DocumentWrite,
  StoredDocument,
} from '../ports/document-store.ts';
import { PortError } from '../ports/port-error.ts';
import { parseCollectionPath, parseDocumentPath } from './document-path.ts';
import { checkJsonDocument } from './json-document.ts';

/** Options of {@link SqliteDocumentStore}. */
export interface SqliteDocumentStoreOptions {
  /**
   * The database file, its folder made when missing (the CLI's is
   * `.infrastream/state.sqlite`), or `':memory:'` for a store that keeps nothing once closed.
   */
  readonly file: string;
  /**
   * How long a write or transaction waits in all while another process holds the store, before
   * it fails as transient; 1 min. The wait does not stop the event loop.
   */
  readonly busyTimeoutMs?: number;
}

/** A write checked and made ready to apply; `data` is the stored JSON, undefined to delete. */
interface PreparedWrite {
  readonly path: string;
  readonly collection: string;
  readonly id: string;
  readonly data: string | undefined;
}

/** The statements every operation uses, prepared once per connection. */
interface Statements {
  readonly get: StatementSync;
  readonly list: StatementSync;
  readonly put: StatementSync;
  readonly delete: StatementSync;
}

const MEMORY = ':memory:';
/** SQLite's primary result code for a lock it could not get within the busy timeout. */
const SQLITE_BUSY = 5;
/**
 * How long SQLite itself waits for a lock. It waits by blocking the thread, which would stop
 * every request and timer of a server, so it waits briefly and the store waits the rest
 * asynchronously, trying again after each pause.
 */
const BLOCKING_WAIT_MS = 20;
/** The first pause between two tries for the write lock; each later one doubles, up to the last. */
const FIRST_PAUSE_MS = 10;
const LONGEST_PAUSE_MS = 500;

// `collection` and `id` are the path split at its last slash. SQLite's default (BINARY)
// collation compares the UTF-8 bytes, which is the order Firestore gives document ids.
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS documents (
    path TEXT NOT NULL PRIMARY KEY,
    collection TEXT NOT NULL,
    id TEXT NOT NULL,
    data TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS documents_by_collection ON documents (collection, id);
`;

/**
 * Write queues of the files open in this process, shared by every store object on one file:
 * SQLite waits for another connection's lock by blocking the thread, so a second object
 * waiting inside SQLite for the first would stop the very event loop the first needs to end
 * its transaction.
 */
const writeQueues = new Map<unknown, Promise<void>>();

/**
 * The embedded persistent {@link DocumentStore}: one SQLite database (Node's `node:sqlite`)
 * with one row per document. Writes and transactions take SQLite's write lock with
 * `BEGIN IMMEDIATE`, which other processes on the file wait for, and land whole or not at all,
 * even when the process is killed midway. A transaction's writes are buffered and applied
 * just before it commits, so the database never holds uncommitted state while `work` awaits:
 * reads outside the transaction need no queue and see the last commit. The journal is a WAL
 * with `synchronous=NORMAL`: a commit survives the crash of a process, and the loss of power
 * may take back only the last commits.
 */
export class SqliteDocumentStore implements DocumentStore {
  readonly #file: string;
  readonly #busyTimeoutMs: number;
  readonly #queueKey: unknown;
  #database: DatabaseSync | undefined;
  #statements: Statements | undefined;
  #closed = false;

  constructor(options: SqliteDocumentStoreOptions) {
    this.#file = options.file === MEMORY ? MEMORY : resolve(options.file);
    this.#busyTimeoutMs = options.busyTimeoutMs ?? 60_000;
    this.#queueKey = this.#file === MEMORY ? this : canonicalFile(this.#file);
  }

  /** One document, or undefined when there is none. */
  get(path: string): Promise<DocumentData | undefined> {
    return settled(() => {
      parseDocumentPath(path);
      const statements = this.#readable();
      return statements === undefined ? undefined : this.#read(statements, path);
    });
  }

  /** Several documents, read in one transaction: one snapshot, even with other writers. */
  getAll(paths: readonly string[]): Promise<(DocumentData | undefined)[]> {
    return this.transact((transaction) => transaction.getAll(paths));
  }

  /** Every document directly in the collection, ordered by id (by UTF-8 bytes, as Firestore). */
  list(collection: string): Promise<readonly StoredDocument[]> {
    return settled(() => {
      parseCollectionPath(collection);
      const statements = this.#readable();
      if (statements === undefined) return [];
      const rows = this.#guard(() => statements.list.all(collection));
      return rows.map((row) => ({
        id: row['id'] as string,
        data: JSON.parse(row['data'] as string) as DocumentData,
      }));
    });
  }

  /** Applies the writes in order, in one SQLite transaction; all are checked before any. */
  async write(writes: readonly DocumentWrite[]): Promise<void> {
    const prepared = writes.map((write) =>
      prepare(write.path, write.kind === 'set' ? write.data : undefined),
    );
    if (prepared.length === 0) return;
    await this.#serialized(async () => {
      const statements = this.#opened();
      await this.#begin();
      try {
        for (const write of prepared) apply(statements, write);
        this.#exec('COMMIT');
      } catch (error) {
        this.#rollback();
        throw error;
      }
    });
  }

  /**
   * Runs `work` holding SQLite's write lock from its start, so that no other process changes
   * what its reads see, then applies its writes and commits. Nothing is written when `work`
   * throws.
   */
  transact<T>(work: (transaction: DocumentTransaction) => Promise<T>): Promise<T> {
    return this.#serialized(async () => {
      const statements = this.#opened();
      await this.#begin();
      const writes = new Map<string, PreparedWrite>();
      let open = true;
      const buffer = (write: PreparedWrite) => {
        if (!open) throw new Error(endedTransaction(write.path));
        writes.delete(write.path);
        writes.set(write.path, write);
      };
      const read = (path: string) => {
        parseDocumentPath(path);
        if (!open) throw new Error(endedTransaction(path));
        if (writes.size > 0) throw new Error(readAfterWrite(path));
        return this.#read(statements, path);
      };
      const transaction: DocumentTransaction = {
        get: (path) => settled(() => read(path)),
        getAll: (paths) => settled(() => paths.map(read)),
        set: (path, data) => {
          buffer(prepare(path, data));
        },
        delete: (path) => {
          buffer(prepare(path, undefined));
        },
      };
      try {
        const result = await work(transaction);
        open = false;
        for (const write of writes.values()) apply(statements, write);
        this.#exec('COMMIT');
        return result;
      } catch (error) {
        open = false;
        this.#rollback();
        throw error;
      }
    });
  }

  /** Waits for the writes under way, then closes the database; the store is unusable after. */
  async close(): Promise<void> {
    await this.#serialized(() => {
      this.#closed = true;
      this.#database?.close();
      this.#database = undefined;
      this.#statements = undefined;
      return Promise.resolve();
    });
  }

  /** Runs writes of every store object on this file in this process one at a time. */
  #serialized<T>(work: () => Promise<T>): Promise<T> {
    const key = this.#queueKey;
    const previous = writeQueues.get(key) ?? Promise.resolve();
    const result = previous.then(work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    writeQueues.set(key, tail);
    void tail.then(() => {
      if (writeQueues.get(key) === tail) writeQueues.delete(key);
    });
    return result;
  }

  /** The statements, or undefined when the database file does not exist yet (reads as empty). */
  #readable(): Statements | undefined {
    if (this.#statements === undefined && this.#file !== MEMORY && !this.#closed) {
      // Merely reading leaves no file behind: the first write makes it.
      if (!existsSync(this.#file)) return undefined;
    }
    return this.#opened();
  }

  #opened(): Statements {
    if (this.#closed) throw new Error(`The state store ${this.#file} is closed`);
    if (this.#statements !== undefined) return this.#statements;
    if (this.#file !== MEMORY) mkdirSync(dirname(this.#file), { recursive: true });
    let database: DatabaseSync | undefined;
    try {
      const opened = new DatabaseSync(this.#file);
      database = opened;
      this.#database = opened;
      this.#guard(() => {
        opened.exec(
          `PRAGMA busy_timeout = ${String(Math.max(0, Math.min(BLOCKING_WAIT_MS, Math.floor(this.#busyTimeoutMs))))}`,
        );
        opened.exec('PRAGMA journal_mode = WAL');
        opened.exec('PRAGMA synchronous = NORMAL');
        opened.exec(SCHEMA);
      });
      this.#statements = {
        get: opened.prepare('SELECT data FROM documents WHERE path = ?'),
        list: opened.prepare('SELECT id, data FROM documents WHERE collection = ? ORDER BY id'),
        put: opened.prepare(
          'INSERT INTO documents (path, collection, id, data) VALUES (?, ?, ?, ?) ' +
            'ON CONFLICT (path) DO UPDATE SET data = excluded.data',
        ),
        delete: opened.prepare('DELETE FROM documents WHERE path = ?'),
      };
      return this.#statements;
    } catch (error) {
      this.#database = undefined;
      database?.close();
      if (error instanceof Error && isBusy(error.cause)) throw error;
      throw new Error(
        `Cannot open the state store ${this.#file}: ${(error as Error).message} ` +
          '(expected an SQLite database made by this store, or no file)',
        { cause: error },
      );
    }
  }

  #read(statements: Statements, path: string): DocumentData | undefined {
    const row = this.#guard(() => statements.get.get(path));
    return row === undefined ? undefined : (JSON.parse(row['data'] as string) as DocumentData);
  }

  /**
   * Takes SQLite's write lock, pausing between tries while another process holds it, until
   * the busy timeout has passed in all.
   */
  async #begin(): Promise<void> {
    const started = performance.now();
    for (let pause = FIRST_PAUSE_MS; ; pause = Math.min(pause * 2, LONGEST_PAUSE_MS)) {
      try {
        this.#exec('BEGIN IMMEDIATE');
        return;
      } catch (error) {
        const left = this.#busyTimeoutMs - (performance.now() - started);
        if (!(error instanceof PortError && isBusy(error.cause)) || left <= 0) throw error;
        await new Promise((resume) => setTimeout(resume, Math.min(pause, left)));
      }
    }
  }

  #rollback(): void {
    // SQLite may have rolled back by itself (on a full disk, for instance).
    if (this.#database?.isTransaction === true) this.#database.exec('ROLLBACK');
  }

  #exec(sql: string): void {
    const database = this.#database;
    if (database === undefined) throw new Error(`The state store ${this.#file} is closed`);
    this.#guard(() => {
      database.exec(sql);
    });
  }

  /**
   * Runs one SQLite call, turning "database is locked" into an error that says what to do,
   * and that is transient: the other process lets go.
   */
  #guard<T>(call: () => T): T {
    try {
      return call();
    } catch (error) {
      if (!isBusy(error)) throw error;
      throw new PortError(
        `The state store ${this.#file} is busy: another process held it for more than ` +
          `${String(this.#busyTimeoutMs)} ms; try again once that process has finished`,
        'transient',
        { cause: error },
      );
    }
  }
}

function prepare(path: string, data: unknown): PreparedWrite {
  const segments = parseDocumentPath(path);
  const collection = segments.slice(0, -1).join('/');
  const id = segments.at(-1) ?? '';
  if (data === undefined) return { path, collection, id, data: undefined };
  return { path, collection, id, data: JSON.stringify(checkJsonDocument(path, data)) };
}

function apply(statements: Statements, write: PreparedWrite): void {
  if (write.data === undefined) statements.delete.run(write.path);
  else statements.put.run(write.path, write.collection, write.id, write.data);
}

/** The file as every store object in this process names it, whatever path it was given. */
function canonicalFile(file: string): string {
  try {
    return join(realpathSync(dirname(file)), basename(file));
  } catch {
    return file;
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { errcode?: unknown } | null)?.errcode;
  // Extended result codes (SQLITE_BUSY_SNAPSHOT, …) keep the primary code in the low byte.
  return typeof code === 'number' && (code & 0xff) === SQLITE_BUSY;
}

/** The result of a synchronous call as a promise, rejected when the call throws. */
function settled<T>(call: () => T): Promise<T> {
  try {
    return Promise.resolve(call());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

function readAfterWrite(path: string): string {
  return `Transaction read of "${path}" after a write: a transaction's reads come before its writes`;
}

function endedTransaction(path: string): string {
  return `Transaction use of "${path}" after the transaction ended: keep its reads and writes inside its work`;
}
