import { PubSubPublisher } from '../../shared/adapters/pubsub-publisher.ts';
import { FirestoreDocumentStore } from '../../shared/adapters/firestore-document-store.ts';
import type { RunningEmulator } from '../../test/support/emulator-process.ts';
import { PushedFunctions } from '../../test/support/pushed-functions.ts';

/** What {@link warmEmulators} put through the emulators. */
export interface EmulatorWarmUp {
  readonly documents: number;
  readonly transactions: number;
  readonly messages: number;
  readonly ms: number;
}

const DOCUMENTS = 20_000;
const TRANSACTIONS = 200;
const MESSAGES = 400;

/**
 * Puts a load like a push's through freshly started emulators, in a project of its own,
 * before anything is measured. The emulators stand in for Firestore and Pub/Sub, which have
 * no cold JVM: their first seconds of interpreted code are theirs, not the pipeline's. The
 * pipeline's own clients and caches stay cold.
 */
export async function warmEmulators(
  firestore: RunningEmulator,
  pubsub: RunningEmulator,
): Promise<EmulatorWarmUp> {
  const started = performance.now();
  const projectId = `warm-up-${String(Date.now())}`;
  const store = new FirestoreDocumentStore({ projectId, emulatorHost: firestore.host });
  const functions = new PushedFunctions({
    projectId,
    topicPrefix: 'warm-up-',
    pubsubHost: pubsub.host,
  });
  const publisher = new PubSubPublisher({
    projectId,
    topicPrefix: 'warm-up-',
    emulatorHost: pubsub.host,
  });
  try {
    let received = 0;
    await functions.subscribe('messages', () => {
      received++;
      return Promise.resolve({ status: 'done', detail: '' });
    });
    const payload = {
      spec: { description: 'warm-up', regions: ['europe-west1', 'europe-west4'], size: 3 },
      permissions: { viewers: { groups: ['a', 'b'], members: ['c'] } },
    };
    await Promise.all([
      store.write(
        Array.from({ length: DOCUMENTS }, (_, index) => ({
          kind: 'set' as const,
          path: `documents/${String(index)}`,
          data: { index, ...payload },
        })),
      ),
      Promise.all(
        Array.from({ length: MESSAGES }, (_, index) => publisher.publish('messages', { index })),
      ),
    ]);
    for (let round = 0; round < TRANSACTIONS / 8; round++) {
      await Promise.all(
        Array.from({ length: 8 }, (_, lane) =>
          store.transact(async (transaction) => {
            const paths = Array.from(
              { length: 50 },
              (_, index) => `documents/${String((round * 8 + lane) * 50 + index)}`,
            );
            const found = await transaction.getAll(paths);
            for (const [index, path] of paths.entries())
              transaction.set(path, { ...found[index], round });
          }),
        ),
      );
    }
    while (received < MESSAGES) await new Promise((resolve) => setTimeout(resolve, 20));
    return {
      documents: DOCUMENTS,
      transactions: TRANSACTIONS,
      messages: MESSAGES,
      ms: performance.now() - started,
    };
  } finally {
    await Promise.all([store.close(), publisher.close(), functions.close()]);
  }
}
