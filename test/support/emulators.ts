import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import type { EmulatorName } from './emulator-process.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Loopback URL of the server that starts emulators on request (test/setup/emulators.ts). */
    emulatorBroker: string;
    /** Why an emulator cannot run on this machine, by emulator; absent when it can. */
    emulatorsUnavailable: Partial<Record<EmulatorName, string>>;
  }
}

export type { EmulatorName } from './emulator-process.ts';

/**
 * Why the emulator cannot run here, or undefined when it can. When it cannot, this also
 * says so on the console, so that a skipped suite is never silent. For `describe.skipIf`.
 */
export function emulatorUnavailable(name: EmulatorName, suite: string): string | undefined {
  const broker = inject('emulatorBroker') as string | undefined;
  const reason =
    broker === undefined
      ? 'the emulator set-up did not run (run the tests through vitest.config.ts)'
      : inject('emulatorsUnavailable')[name];
  if (reason !== undefined) console.warn(`Skipping ${suite}: ${reason}.`);
  return reason;
}

/**
 * `127.0.0.1:port` of the emulator, started on the first request of the test run and
 * shared by every test file after that. The first call takes seconds: give the `beforeAll`
 * that makes it a timeout of {@link EMULATOR_STARTUP_TIMEOUT_MS}.
 */
export async function emulatorHost(name: EmulatorName): Promise<string> {
  const response = await fetch(`${inject('emulatorBroker')}/emulators/${name}`);
  const body = (await response.json()) as { host?: string; error?: string };
  if (!response.ok || body.host === undefined) {
    throw new Error(`The ${name} emulator did not start: ${body.error ?? response.statusText}`);
  }
  return body.host;
}

/** Enough for a cold JVM on a loaded two-core machine. */
export const EMULATOR_STARTUP_TIMEOUT_MS = 150_000;

/**
 * A name no other test uses, for what the emulators share across test files: Firestore
 * project ids, Pub/Sub topics and subscriptions. Lowercase letters, digits and hyphens.
 */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 13)}`;
}
