import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cloudEvent, http, type Request, type Response } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { PubSub, type Message, type Subscription, type Topic } from '@google-cloud/pubsub';
import { pubsubStage } from '../../functions/pubsub-stage.ts';
import type { Stage } from '../../shared/pipeline/stage.ts';

/** What the emulator may take over one push before it counts it as failed and redelivers. */
const ACK_DEADLINE_SECONDS = 60;
/** A stage that throws is tried again within seconds, not after Pub/Sub's default minutes. */
const RETRY_POLICY = { minimumBackoff: { seconds: 1 }, maximumBackoff: { seconds: 5 } };

/**
 * Functions Framework servers on loopback, each running one function, with the stages fed
 * by push subscriptions of the Pub/Sub emulator: a message travels as it does in Google
 * Cloud, as an HTTP push the Functions Framework turns into a CloudEvent. Topic names get
 * `topicPrefix`, so runs sharing the emulator never see each other's messages; `close`
 * deletes exactly the topics and subscriptions made here.
 */
export class PushedFunctions {
  readonly projectId: string;
  readonly topicPrefix: string;
  /** A plain client of the emulator, for what the tests publish themselves. */
  readonly pubsub: PubSub;
  readonly #servers: Server[] = [];
  readonly #topics = new Map<string, Topic>();
  readonly #subscriptions: Subscription[] = [];

  constructor(options: {
    readonly projectId: string;
    readonly topicPrefix: string;
    readonly pubsubHost: string;
  }) {
    this.projectId = options.projectId;
    this.topicPrefix = options.topicPrefix;
    this.pubsub = new PubSub({
      projectId: options.projectId,
      apiEndpoint: options.pubsubHost,
      emulatorMode: true,
      // Named, so that the client does not ask a metadata server for it.
      universeDomain: 'googleapis.com',
    });
  }

  /** Serves an HTTP function; its URL. */
  async http(name: string, handler: (req: Request, res: Response) => Promise<void>) {
    const functionName = `${this.topicPrefix}${name}`;
    // Registrations are global to the process: a name of this run only.
    http(functionName, handler);
    return this.#serve(functionName);
  }

  /** Creates the prefixed topic and runs `stage` on every message, as a `cloudEvent` function. */
  async subscribe(topic: string, stage: Stage): Promise<void> {
    const topicName = `${this.topicPrefix}${topic}`;
    cloudEvent(
      topicName,
      pubsubStage(topic, () => stage),
    );
    const url = await this.#serve(topicName);
    // The Functions Framework names the CloudEvent's source after the path of a raw push.
    await this.#subscription(topic, `${topicName}-push`, {
      pushConfig: { pushEndpoint: `${url}projects/${this.projectId}/topics/${topicName}` },
      ackDeadlineSeconds: ACK_DEADLINE_SECONDS,
      retryPolicy: RETRY_POLICY,
    });
  }

  /** Hands every message of the topic, its JSON decoded, to `receive`, from now on. */
  async tap(topic: string, receive: (message: unknown) => void): Promise<void> {
    const subscription = await this.#subscription(topic, `${this.topicPrefix}${topic}-tap`, {
      ackDeadlineSeconds: ACK_DEADLINE_SECONDS,
    });
    subscription.on('message', (message: Message) => {
      receive(JSON.parse(message.data.toString('utf8')));
      message.ack();
    });
  }

  /** A topic made by {@link subscribe}. */
  topic(topic: string): Topic {
    const found = this.#topics.get(topic);
    if (found === undefined) throw new Error(`no topic "${topic}" was subscribed to`);
    return found;
  }

  /** Deletes what was created, stops every server and closes the client. */
  async close(): Promise<void> {
    for (const subscription of this.#subscriptions) {
      await subscription.close();
      await subscription.delete();
    }
    for (const topic of this.#topics.values()) await topic.delete();
    for (const server of this.#servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    await this.pubsub.close();
  }

  async #subscription(
    topic: string,
    name: string,
    options: Parameters<Topic['createSubscription']>[1],
  ): Promise<Subscription> {
    let created = this.#topics.get(topic);
    if (created === undefined) {
      [created] = await this.pubsub.createTopic(`${this.topicPrefix}${topic}`);
      this.#topics.set(topic, created);
    }
    const [subscription] = await created.createSubscription(name, options);
    this.#subscriptions.push(subscription);
    return subscription;
  }

  async #serve(functionName: string): Promise<string> {
    const server = getTestServer(functionName);
    this.#servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/`;
  }
}
