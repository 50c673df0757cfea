import type { DocumentStore } from '../shared/ports/document-store.ts';
import type { CliIo } from './cli-io.ts';
import { embeddedStore } from './embedded-pipeline.ts';

/**
 * The state store the environment names: Firestore when `INFRASTREAM_FIRESTORE_PROJECT` is set
 * (on the emulator when `FIRESTORE_EMULATOR_HOST` is set too, as Google's tools expect),
 * otherwise the embedded store under `<directory>/.infrastream`.
 */
export async function configuredStore(io: CliIo, directory: string): Promise<DocumentStore> {
  const projectId = io.env.INFRASTREAM_FIRESTORE_PROJECT;
  if (projectId === undefined || projectId === '') return embeddedStore(directory);
  // Loaded only when used: the Firestore client takes longer to load than most commands run.
  const { FirestoreDocumentStore } = await import('../shared/adapters/firestore-document-store.ts');
  const emulatorHost = io.env.FIRESTORE_EMULATOR_HOST;
  const databaseId = io.env.INFRASTREAM_FIRESTORE_DATABASE;
  return new FirestoreDocumentStore({
    projectId,
    ...(emulatorHost === undefined || emulatorHost === '' ? {} : { emulatorHost }),
    ...(databaseId === undefined || databaseId === '' ? {} : { databaseId }),
  });
}
