import type { Publisher } from '../ports/publisher.ts';

/** A subscriber of one topic: throws to have the message delivered again. */
export type TopicHandler = (message: unknown) => Promise<unknown>;

/** What happened to one message. */
export interface Delivery {
  readonly topic: string;
  readonly message: unknown;
  readonly outcome: unknown;
}

/**
 * The embedded bus: messages published here are delivered, one at a time and in order, to
 * the handler of their topic when {@link InProcessBus.drain} runs. Each message is copied
 * through JSON, as Pub/Sub would serialize it. A handler that throws gets the message again,
 * up to `maxAttempts`; after that the message goes to the dead letters, as Pub/Sub's
 * dead-letter policy would send it.
 */
export class InProcessBus implements Publisher {
  readonly #handlers = new Map<string, TopicHandler>();
  readonly #queue: { topic: string; message: unknown; attempts: number }[] = [];
  readonly #maxAttempts: number;
  readonly deadLetters: { topic: string; message: unknown; error: unknown }[] = [];

  constructor(options: { readonly maxAttempts?: number } = {}) {
    this.#maxAttempts = options.maxAttempts ?? 5;
  }

  /** Delivers the topic's messages to `handler`. */
  subscribe(topic: string, handler: TopicHandler): void {
    this.#handlers.set(topic, handler);
  }

  publish(topic: string, message: unknown): Promise<void> {
    try {
      this.#queue.push({ topic, message: JSON.parse(JSON.stringify(message)), attempts: 0 });
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Delivers messages until none is left; returns what happened to each, in order. */
  async drain(): Promise<Delivery[]> {
    const deliveries: Delivery[] = [];
    for (let next = this.#queue.shift(); next !== undefined; next = this.#queue.shift()) {
      const handler = this.#handlers.get(next.topic);
      if (handler === undefined) throw new Error(`no subscriber for topic ${next.topic}`);
      try {
        deliveries.push({ ...next, outcome: await handler(next.message) });
      } catch (error) {
        next.attempts++;
        if (next.attempts < this.#maxAttempts) this.#queue.push(next);
        else this.deadLetters.push({ topic: next.topic, message: next.message, error });
      }
    }
    return deliveries;
  }
}
