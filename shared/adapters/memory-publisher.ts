import type { Publisher } from '../ports/publisher.ts';

/** One message as the bus accepted it. */
export interface PublishedMessage {
  readonly topic: string;
  readonly message: unknown;
}

/**
 * The embedded {@link Publisher}: keeps the messages in this process, in order. Each message
 * is copied through JSON, as Pub/Sub would serialize it, so a message that would not survive
 * the real bus (a Date, a Map, a cycle) does not pass here either.
 */
export class MemoryPublisher implements Publisher {
  readonly #published: PublishedMessage[] = [];

  /** Accepts the message, or rejects when it cannot be serialized. */
  publish(topic: string, message: unknown): Promise<void> {
    try {
      const copy: unknown = JSON.parse(JSON.stringify(message));
      this.#published.push({ topic, message: copy });
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Every message accepted so far, in publication order. */
  get published(): readonly PublishedMessage[] {
    return this.#published;
  }

  /** The messages accepted on one topic. */
  messages(topic: string): readonly unknown[] {
    return this.#published.filter((entry) => entry.topic === topic).map((entry) => entry.message);
  }
}
