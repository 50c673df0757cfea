import type { WebhookReply } from '../functions/delivery-verifier.ts';
import type { PushAdmission } from '../functions/push-admission.ts';
import { classifyFailure } from '../shared/ports/classify-failure.ts';
import type { DeliveryInbox, InboxEntry } from './delivery-inbox.ts';

/** What the processor needs: the inbox, what admits and publishes a push, and the stages. */
export interface InboxProcessorOptions {
  readonly inbox: DeliveryInbox;
  readonly admission: Pick<PushAdmission, 'admit'>;
  /** Publishes the push of a delivery already claimed by a process stopped before it was done. */
  readonly publishAgain: (entry: InboxEntry) => Promise<void>;
  /** Runs the stages on what was published; rejects when some of it is to be tried again. */
  readonly runStages: () => Promise<void>;
  /** One line for the operator. */
  readonly log: (line: string) => void;
  /**
   * Runs once, before the first delivery: what a process stopped before left unfinished.
   * Its failure is logged, and the deliveries are taken all the same.
   */
  readonly startUp?: () => Promise<void>;
  /** The wait before the second try of a delivery; each later one doubles, up to `maxDelayMs`. */
  readonly firstDelayMs?: number;
  readonly maxDelayMs?: number;
}

/** What `/healthz` says of the inbox. */
export interface InboxStatus {
  /** Deliveries accepted and not done with. */
  readonly backlog: number;
  /** Why the oldest of them waits, while it does. */
  readonly waiting: string | null;
}

/** A running processor: see {@link startInboxProcessor}. */
export interface InboxProcessor {
  /** Says that a delivery was added. */
  wake(): void;
  /** Whether this process already finished with the delivery. */
  finished(delivery: string): boolean;
  status(): InboxStatus;
  /** Stops after the delivery under way; resolves once it has. */
  stop(): Promise<void>;
}

/** How many finished deliveries are remembered, to answer GitHub's redeliveries of them. */
const REMEMBERED = 10_000;

/**
 * Takes the inbox's deliveries one at a time, oldest first: records each in the state store,
 * runs the stages on it, then removes it. A delivery that fails (the store held by another
 * process, a stage given up on for a while) stays first in the inbox and is tried again after a
 * backoff, so nothing accepted is lost and nothing overtakes it. Every failure is caught here
 * and logged in one line: none reaches the process.
 */
export function startInboxProcessor(options: InboxProcessorOptions): InboxProcessor {
  const { inbox, admission, publishAgain, runStages, log } = options;
  const firstDelayMs = options.firstDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const finished = new Set<string>();
  let waiting: string | null = null;
  let stopping = false;
  /** Ends the current pause early: a stop ends any, a new delivery only an idle one. */
  let interrupt: ((reason: 'stop' | 'wake') => void) | undefined;
  let woken = false;

  const pause = (ms: number, wakeable: boolean) =>
    new Promise<void>((resume) => {
      // The server keeps the process alive; a pause alone must not (a port in use ends it).
      const timer = setTimeout(done, ms).unref();
      function done() {
        clearTimeout(timer);
        interrupt = undefined;
        resume();
      }
      interrupt = (reason) => {
        if (reason === 'stop' || wakeable) done();
      };
    });

  const remember = (delivery: string) => {
    finished.add(delivery);
    // Sets iterate in insertion order: the first is the oldest.
    if (finished.size > REMEMBERED) finished.delete(finished.values().next().value ?? '');
  };

  /** Runs one delivery to its end; throws when it is to be tried again. */
  const runDelivery = async (entry: InboxEntry) => {
    const { delivery } = entry.verified;
    if (entry.claimed) {
      await publishAgain(entry);
    } else {
      const reply: WebhookReply = await admission.admit(entry.verified, () =>
        inbox.markClaimed(entry),
      );
      // The reply's error is advice for GitHub's delivery log; the detail says what failed.
      if (reply.status >= 500) throw new Error(reply.detail ?? String(reply.body['error']));
      if (reply.status === 200) {
        // Claimed and still here: a process stopped after its claim and before it marked
        // the entry (or a redelivery of a push done before). The stages finish what is left,
        // and change nothing for a push they had done.
        log(`delivery ${delivery}: claimed before, published again`);
        await publishAgain(entry);
      }
      if (reply.status === 403)
        log(
          `delivery ${delivery}: refused, ${String(reply.body['repository'])} is not the repository served`,
        );
    }
    await runStages();
  };

  const loop = async () => {
    try {
      await options.startUp?.();
    } catch (error) {
      log(`resuming what was left unfinished failed: ${classifyFailure(error).reason}`);
    }
    let failures = 0;
    while (!stopping) {
      const entry = inbox.oldest();
      if (entry === undefined) {
        // Idle until a delivery is added.
        if (!woken) await pause(60_000, true);
        woken = false;
        continue;
      }
      try {
        await runDelivery(entry);
        await inbox.remove(entry);
        remember(entry.verified.delivery);
        failures = 0;
        waiting = null;
      } catch (error) {
        failures++;
        const delay = Math.min(firstDelayMs * 2 ** (failures - 1), maxDelayMs);
        waiting = classifyFailure(error).reason;
        log(
          `delivery ${entry.verified.delivery}: waits (${waiting}); tried again in ${String(Math.ceil(delay / 1000))} s`,
        );
        await pause(delay, false);
      }
    }
  };
  const running = loop().catch((error: unknown) => {
    // Only a failure of the loop's own bookkeeping lands here; the process lives on.
    log(`the inbox stopped: ${error instanceof Error ? error.message : String(error)}`);
  });

  return {
    wake() {
      woken = true;
      interrupt?.('wake');
    },
    finished: (delivery) => finished.has(delivery),
    status: () => ({ backlog: inbox.size, waiting }),
    async stop() {
      stopping = true;
      interrupt?.('stop');
      await running;
    },
  };
}
