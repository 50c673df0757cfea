import { PubSub, type Message } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { googleApiError } from '../../shared/adapters/google-api-error.ts';
import { PubSubPublisher } from '../../shared/adapters/pubsub-publisher.ts';
import { classifyFailure } from '../../shared/ports/classify-failure.ts';
import type { FailureKind } from '../../shared/ports/port-error.ts';
import { grpcError, GrpcStatus } from '../support/grpc-error.ts';
import {
  EMULATOR_STARTUP_TIMEOUT_MS,
  emulatorHost,
  emulatorUnavailable,
  uniqueName,
} from '../support/emulators.ts';

const unavailable = emulatorUnavailable('pubsub', 'the Pub/Sub emulator tests');

describe.skipIf(unavailable !== undefined)('PubSubPublisher on the emulator', () => {
  const projectId = uniqueName('publisher');
  let admin: PubSub;
  let publisher: PubSubPublisher;
  beforeAll(async () => {
    const host = await emulatorHost('pubsub');
    admin = new PubSub({
      projectId,
      apiEndpoint: host,
      emulatorMode: true,
      universeDomain: 'googleapis.com',
    });
    publisher = new PubSubPublisher({ projectId, topicPrefix: 'infrastream-', emulatorHost: host });
  }, EMULATOR_STARTUP_TIMEOUT_MS);
  afterAll(async () => {
    await publisher.close();
    await admin.close();
  });

  /** A topic named `infrastream-<topic>` with one pull subscription, collecting messages. */
  async function subscribedTopic() {
    const topic = uniqueName('push');
    const [created] = await admin.createTopic(`infrastream-${topic}`);
    const [subscription] = await created.createSubscription(uniqueName('pull'));
    const received: Message[] = [];
    const waiters: (() => void)[] = [];
    subscription.on('message', (message: Message) => {
      message.ack();
      received.push(message);
      for (const wake of waiters.splice(0)) wake();
    });
    return {
      topic,
      async receive(count: number): Promise<readonly Message[]> {
        while (received.length < count) await new Promise<void>((wake) => waiters.push(wake));
        return received;
      },
      close: () => subscription.close(),
    };
  }

  it('publishes JSON to the prefixed topic, exactly as given', async () => {
    const subscribed = await subscribedTopic();
    const value = {
      schema: 'infrastream.push/v1',
      repository: 'acme/platform',
      after: '2222222222222222222222222222222222222222',
      unicode: 'Grüße 🚀',
      nested: { list: [1, null, [true]], empty: {} },
    };
    await publisher.publish(subscribed.topic, value);
    const [message] = await subscribed.receive(1);
    await subscribed.close();
    expect(message?.data.toString('utf8')).toBe(JSON.stringify(value));
    expect(JSON.parse(message?.data.toString('utf8') ?? '')).toEqual(value);
  });

  it('publishes messages one after the other, each accepted on its own', async () => {
    const subscribed = await subscribedTopic();
    for (let index = 0; index < 5; index++) await publisher.publish(subscribed.topic, { index });
    const received = await subscribed.receive(5);
    await subscribed.close();
    const indexes = received.map((message) => {
      const parsed = JSON.parse(message.data.toString('utf8')) as { index: number };
      return parsed.index;
    });
    expect(indexes.sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('rejects a topic that does not exist, naming it, as a permanent failure', async () => {
    const error = await publisher
      .publish(uniqueName('missing'), { any: 1 })
      .catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ kind: 'permanent', code: 5 });
    expect(classifyFailure(error).reason).toMatch(
      /^Pub\/Sub refused publishing to topic "infrastream-missing-[0-9a-f-]+" \(NOT_FOUND 5\): /,
    );
  });

  it('rejects what is not JSON, and names that are not topic ids', async () => {
    await expect(publisher.publish('push', undefined)).rejects.toThrow(
      'Message for topic "infrastream-push" is not JSON: found undefined',
    );
    await expect(publisher.publish('push', { big: 1n })).rejects.toThrow(/BigInt/);
    await expect(publisher.publish('no/slashes', {})).rejects.toThrow(
      /Invalid topic "infrastream-no\/slashes"/,
    );
  });
});

describe('Pub/Sub errors, as its client throws them, in the three classes', () => {
  const table: readonly {
    readonly error: ReturnType<typeof grpcError>;
    readonly kind: FailureKind;
  }[] = [
    { error: grpcError(GrpcStatus.NOT_FOUND, 'Topic not found'), kind: 'permanent' },
    {
      error: grpcError(GrpcStatus.PERMISSION_DENIED, 'User not authorized to perform this action.'),
      kind: 'permanent',
    },
    {
      error: grpcError(GrpcStatus.INVALID_ARGUMENT, 'Request payload size exceeds the limit'),
      kind: 'permanent',
    },
    {
      error: grpcError(GrpcStatus.UNAVAILABLE, 'The service was unable to fulfill your request.'),
      kind: 'transient',
    },
    { error: grpcError(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded'), kind: 'transient' },
    {
      error: grpcError(GrpcStatus.RESOURCE_EXHAUSTED, 'Publish quota exceeded'),
      kind: 'transient',
    },
    { error: grpcError(GrpcStatus.ABORTED, 'The operation was aborted.'), kind: 'transient' },
  ];
  for (const row of table) {
    it(`${row.error.message}: ${row.kind}`, () => {
      const failure = classifyFailure(
        googleApiError('Pub/Sub', 'publishing to topic "t"', row.error),
      );
      expect(failure.kind).toBe(row.kind);
      expect(failure.reason).toContain(`publishing to topic "t" (${GrpcStatus[row.error.code]} `);
    });
  }
});
