import type { Settings } from '../shared/core/configuration/settings.ts';
import type { DocumentStore } from '../shared/ports/document-store.ts';
import { EnvironmentError } from './cli-io.ts';
import { embeddedStore, stateDatabase } from './embedded-pipeline.ts';

/** The settings that choose the state store. */
export type StoreSettings = Pick<
  Settings<'state'>,
  'project' | 'firestoreDatabase' | 'firestoreEmulatorHost'
>;

/**
 * The state store the settings name: Firestore when `INFRASTREAM_PROJECT` is set (on the
 * emulator when `FIRESTORE_EMULATOR_HOST` is set too, as Google's tools expect), otherwise
 * the embedded store under `<directory>/.infrastream`.
 */
export async function configuredStore(
  settings: StoreSettings,
  directory: string,
): Promise<DocumentStore> {
  const { project, firestoreEmulatorHost } = settings;
  if (project === undefined) return embeddedStore(directory);
  // Loaded only when used: the Firestore client takes longer to load than most commands run.
  const { FirestoreDocumentStore } = await import('../shared/adapters/firestore-document-store.ts');
  return new FirestoreDocumentStore({
    projectId: project,
    databaseId: settings.firestoreDatabase,
    ...(firestoreEmulatorHost === undefined ? {} : { emulatorHost: firestoreEmulatorHost }),
  });
}

/** Where {@link configuredStore} keeps the state, as a person would look for it. */
export function storeLocation(settings: StoreSettings, directory: string): string {
  return settings.project === undefined
    ? stateDatabase(directory)
    : `Firestore of project ${settings.project}`;
}

/** A document no one writes: deleting it, which changes nothing, proves writes land. */
const WRITE_CHECK = 'checks/write-access';

/**
 * Uses the store once as the command is going to, before it does anything else: `write`
 * writes (an empty transaction would not do: SQLite begins one on a read-only file), `read`
 * lists. A file that is not a database, a read-only one or an unreachable Firestore then
 * stops the command with one line naming it, rather than a stage failing halfway through.
 */
export async function checkStore(
  store: DocumentStore,
  access: 'read' | 'write',
  location: string,
): Promise<void> {
  try {
    if (access === 'write') await store.write([{ kind: 'delete', path: WRITE_CHECK }]);
    else await store.list('repositories');
  } catch (error) {
    const reason = deepestMessage(error);
    const advice = /\b(?:locked|busy)\b/.test(reason)
      ? 'another process holds it: try again once that one has finished'
      : /read-?only|permission|denied/i.test(reason)
        ? 'make it and its folder writable'
        : 'move it aside to start afresh';
    throw new EnvironmentError(
      `cannot ${access} the state store ${location}: ${reason}; ${advice}`,
    );
  }
}

/** What the lowest layer said: the store's own message wraps it with the path, said above. */
function deepestMessage(error: unknown): string {
  let deepest = error;
  while (deepest instanceof Error && deepest.cause instanceof Error) deepest = deepest.cause;
  return deepest instanceof Error ? deepest.message : String(deepest);
}
