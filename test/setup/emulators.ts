import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestProject } from 'vitest/node';
import {
  emulatorUnavailableReason,
  startEmulator,
  type EmulatorName,
  type RunningEmulator,
} from '../support/emulator-process.ts';

const NAMES: readonly EmulatorName[] = ['firestore', 'pubsub'];

/**
 * Serves the emulators to the test files, each started at most once per run and only when
 * a test file first asks for it (through `emulatorHost` in test/support/emulators.ts), so a
 * run without emulator tests pays for a loopback server and nothing else. Every emulator
 * started is stopped when the run ends.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const unavailable: Partial<Record<EmulatorName, string>> = {};
  for (const name of NAMES) {
    const reason = emulatorUnavailableReason(name);
    if (reason !== undefined) unavailable[name] = reason;
  }
  const starting = new Map<EmulatorName, Promise<RunningEmulator>>();
  const start = (name: EmulatorName) => {
    let emulator = starting.get(name);
    if (emulator === undefined) {
      // A free port can be taken between finding it and the JVM binding it: try once more.
      emulator = startEmulator(name).catch(() => startEmulator(name));
      starting.set(name, emulator);
      void emulator.then(
        (running) => {
          console.log(
            `The ${name} emulator answers on ${running.host} after ${String(running.startupMs)} ms.`,
          );
        },
        () => undefined,
      );
    }
    return emulator;
  };

  const broker = createServer((request, response) => {
    const name = /^\/emulators\/(firestore|pubsub)$/.exec(request.url ?? '')?.[1] as
      EmulatorName | undefined;
    if (name === undefined) {
      response.writeHead(404).end();
      return;
    }
    start(name).then(
      (emulator) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ host: emulator.host, startupMs: emulator.startupMs }));
      },
      (error: unknown) => {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({ error: error instanceof Error ? error.message : String(error) }),
        );
      },
    );
  });
  await new Promise<void>((resolve) => broker.listen(0, '127.0.0.1', resolve));
  const { port } = broker.address() as AddressInfo;
  project.provide('emulatorBroker', `http://127.0.0.1:${String(port)}`);
  project.provide('emulatorsUnavailable', unavailable);

  return async () => {
    broker.closeAllConnections();
    await new Promise((resolve) => broker.close(resolve));
    const running = await Promise.allSettled(starting.values());
    await Promise.all(
      running.map((result) =>
        result.status === 'fulfilled' ? result.value.stop() : Promise.resolve(),
      ),
    );
  };
}
