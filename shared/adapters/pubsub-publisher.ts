import { PubSub, type Topic } from '@google-cloud/pubsub';
import type { Publisher } from '../ports/publisher.ts';
import { googleApiError } from './google-api-error.ts';

/** Options of {@link PubSubPublisher}. */
export interface PubSubPublisherOptions {
  readonly projectId: string;
  /** Put before every topic name: with `infrastream-`, topic `push` is `infrastream-push`. */
  readonly topicPrefix?: string;
  /** `host:port` of a Pub/Sub emulator: the client then speaks plaintext, without credentials. */
  readonly emulatorHost?: string;
}

/** Pub/Sub's rule for topic ids: 3–255 characters, a letter first, not starting `goog`. */
const TOPIC_ID = /^(?!goog)[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/;

/**
 * The {@link Publisher} on Pub/Sub: each message is JSON in the message's data. The
 * pipeline publishes one message per hop and waits for it, so the client's batching is cut
 * to the current turn of the event loop (its default holds every message 10 ms hoping for
 * company). `publish` resolves once Pub/Sub has accepted the message and given it an id, and
 * rejects with Pub/Sub's answer classified (a missing topic is permanent, an outage transient).
 */
export class PubSubPublisher implements Publisher {
  readonly #client: PubSub;
  readonly #prefix: string;
  readonly #topics = new Map<string, Topic>();

  constructor(options: PubSubPublisherOptions) {
    this.#prefix = options.topicPrefix ?? '';
    this.#client = new PubSub({
      projectId: options.projectId,
      ...(options.emulatorHost === undefined
        ? {}
        : {
            apiEndpoint: options.emulatorHost,
            emulatorMode: true,
            // Named, so that the client does not look for credentials (and a metadata
            // server) to learn it.
            universeDomain: 'googleapis.com',
          }),
    });
  }

  /** Publishes `message` as JSON to the prefixed topic, which must exist. */
  async publish(topic: string, message: unknown): Promise<void> {
    const name = `${this.#prefix}${topic}`;
    if (!TOPIC_ID.test(name)) {
      throw new Error(
        `Invalid topic "${name}": Pub/Sub topic ids are 3 to 255 letters, digits and - _ . ~ + %, ` +
          'start with a letter and do not start with "goog"',
      );
    }
    const json: unknown = JSON.stringify(message);
    if (typeof json !== 'string') {
      throw new Error(`Message for topic "${name}" is not JSON: found ${typeof message}`);
    }
    try {
      await this.#topic(name).publishMessage({ data: Buffer.from(json, 'utf8') });
    } catch (error) {
      throw googleApiError('Pub/Sub', `publishing to topic "${name}"`, error);
    }
  }

  /** Sends what is pending and closes the client's connections. */
  async close(): Promise<void> {
    await Promise.all([...this.#topics.values()].map((topic) => topic.flush()));
    await this.#client.close();
  }

  #topic(name: string): Topic {
    let topic = this.#topics.get(name);
    if (topic === undefined) {
      topic = this.#client.topic(name, { batching: { maxMessages: 100, maxMilliseconds: 0 } });
      this.#topics.set(name, topic);
    }
    return topic;
  }
}
