import type { MessageRepository } from '../core/contracts/fields.ts';
import type { Clock } from '../ports/clock.ts';
import type { DocumentData, DocumentStore, DocumentTransaction } from '../ports/document-store.ts';
import type { PipelinePorts } from './stage.ts';
import {
  repositoryPaths,
  type CommitDocument,
  type EventDocument,
  type RepositoryDocument,
  type RepositoryPaths,
} from './state-documents.ts';

/** What a transaction can read. */
type Reader = Pick<DocumentStore, 'get'> | DocumentTransaction;

/** A repository as its state knows it: as messages name it, and by its id when it has one. */
export type StateRepository = MessageRepository & { readonly id?: number };

/**
 * Typed access to one repository's documents. The documents are only ever written by the
 * stages, through here, so reading them back as their types needs no second validation.
 */
export class RepositoryState {
  readonly store: DocumentStore;
  readonly repository: StateRepository;
  readonly paths: RepositoryPaths;
  readonly #clock: Clock;

  constructor(store: DocumentStore, repository: StateRepository, clock: Clock) {
    this.store = store;
    this.repository = repository;
    this.paths = repositoryPaths(repository);
    this.#clock = clock;
  }

  /** Now, from the injected clock. */
  now(): string {
    return this.#clock.now();
  }

  /** The repository document, or a new one. */
  async repositoryDocument(reader: Reader = this.store): Promise<RepositoryDocument> {
    return this.#repositoryOrNew(await reader.get(this.paths.repository));
  }

  /** The repository document (or a new one) and a commit's, as they stood together. */
  async repositoryAndCommit(
    sha: string,
    reader: Pick<DocumentStore, 'getAll'> | DocumentTransaction = this.store,
  ): Promise<[RepositoryDocument, CommitDocument | undefined]> {
    const [repository, commit] = await reader.getAll([
      this.paths.repository,
      this.paths.commit(sha),
    ]);
    return [this.#repositoryOrNew(repository), commit as CommitDocument | undefined];
  }

  #repositoryOrNew(found: DocumentData | undefined): RepositoryDocument {
    return (
      (found as RepositoryDocument | undefined) ?? {
        owner: this.repository.owner,
        name: this.repository.name,
        ...(this.repository.id === undefined ? {} : { id: this.repository.id }),
        defaultBranch: this.repository.defaultBranch,
        current: null,
        recording: null,
      }
    );
  }

  async commit(sha: string, reader: Reader = this.store): Promise<CommitDocument | undefined> {
    return (await reader.get(this.paths.commit(sha))) as CommitDocument | undefined;
  }

  /** Changes a commit document in a transaction; `change` sees the stored one, if any. */
  updateCommit(
    sha: string,
    change: (stored: CommitDocument | undefined) => CommitDocument,
    alsoInTransaction?: (transaction: DocumentTransaction) => void,
  ): Promise<CommitDocument> {
    return this.store.transact(async (transaction) => {
      const updated = change(await this.commit(sha, transaction));
      transaction.set(this.paths.commit(sha), toData(updated));
      alsoInTransaction?.(transaction);
      return updated;
    });
  }

  /**
   * An event of the audit trail. Its key is a business key (a delivery, a commit and stage,
   * a build), so a redelivered message writes the same event again, not a second one.
   */
  event(
    writer: Pick<DocumentTransaction, 'set'>,
    key: string,
    event: Omit<EventDocument, 'at'> & { readonly at?: string },
  ): void {
    writer.set(this.paths.event(key), toData({ at: this.now(), ...event }));
  }

  /** Records one event on its own. */
  async recordEvent(key: string, event: Omit<EventDocument, 'at'>): Promise<void> {
    await this.store.write([
      { kind: 'set', path: this.paths.event(key), data: toData({ at: this.now(), ...event }) },
    ]);
  }
}

/**
 * The governed repository's state, for a message that names it: keyed by the governed
 * repository (its id, or its name when it has none) and never by what the message says, so
 * that no message reaches another repository's documents. Names, which a rename changes, are
 * the message's when the repository has an id.
 */
export function governedState(
  ports: Pick<PipelinePorts, 'store' | 'clock' | 'repository'>,
  named: MessageRepository,
): RepositoryState {
  const { owner, name, id } = ports.repository;
  const repository: StateRepository =
    id === undefined ? { ...named, owner, name } : { ...named, id };
  return new RepositoryState(ports.store, repository, ports.clock);
}

/**
 * A typed document as stored data. Optional fields that are absent stay absent: no
 * `undefined` is ever written (Firestore refuses it).
 */
export function toData(document: object): DocumentData {
  return document as DocumentData;
}
