import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cloudEvent, type CloudEvent } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { PubSub } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodePubSubEvent,
  PUBSUB_MESSAGE_PUBLISHED,
  type PubSubEventMessage,
} from '../../functions/pubsub-event.ts';
import { PubSubPublisher } from '../../shared/adapters/pubsub-publisher.ts';
import {
  EMULATOR_STARTUP_TIMEOUT_MS,
  emulatorHost,
  emulatorUnavailable,
  uniqueName,
} from '../support/emulators.ts';

/** A CloudEvent as Eventarc delivers a Pub/Sub message, with `data` replaced as given. */
function event(data: unknown, type = PUBSUB_MESSAGE_PUBLISHED): CloudEvent<unknown> {
  return {
    specversion: '1.0',
    id: '1234',
    source: '//pubsub.googleapis.com/projects/p/topics/t',
    type,
    data,
  };
}

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('decodePubSubEvent', () => {
  it('decodes the JSON in data.message.data and returns it with the message id', () => {
    const value = { schema: 'infrastream.push/v1', list: [1, null], text: 'Grüße 🚀' };
    const message = { data: base64(JSON.stringify(value)), messageId: '42', attributes: {} };
    expect(decodePubSubEvent(event({ message, subscription: 's' }))).toEqual({
      messageId: '42',
      value,
    });
  });

  it('takes the message id from message_id or the event id when messageId is absent', () => {
    const data = base64('"x"');
    expect(decodePubSubEvent(event({ message: { data, message_id: '7' } })).messageId).toBe('7');
    expect(decodePubSubEvent(event({ message: { data } })).messageId).toBe('1234');
  });

  it('says what is wrong with a malformed event', () => {
    const cases: [CloudEvent<unknown>, RegExp][] = [
      [
        event({}, 'google.cloud.storage.object.v1.finalized'),
        /expected type "google\.cloud\.pubsub\.topic\.v1\.messagePublished", found "google\.cloud\.storage/,
      ],
      [event(undefined), /expected data to be an object, found nothing/],
      [event({ message: 'x' }), /expected data\.message to be an object, found "x"/],
      [
        event({ message: {} }),
        /expected data\.message\.data to be a non-empty base64 string, found nothing/,
      ],
      [event({ message: { data: '' } }), /found an empty string/],
      [event({ message: { data: 'not base64!' } }), /data\.message\.data is not base64/],
      [event({ message: { data: base64('{"open": ') } }), /data\.message\.data is not JSON/],
      [
        event({ message: { data: Buffer.from([0xff, 0xfe]).toString('base64') } }),
        /does not decode to UTF-8/,
      ],
      [
        event({ message: { data: base64('1'), messageId: 5 } }),
        /expected data\.message\.messageId to be a string, found number/,
      ],
    ];
    for (const [malformed, expected] of cases) {
      expect(() => decodePubSubEvent(malformed)).toThrow(expected);
      expect(() => decodePubSubEvent(malformed)).toThrow(/^Pub\/Sub event "1234": /);
    }
  });
});

const unavailable = emulatorUnavailable('pubsub', 'the Pub/Sub push delivery tests');

describe.skipIf(unavailable !== undefined)(
  'a cloudEvent function behind a push subscription',
  () => {
    const projectId = uniqueName('delivery');
    let host: string;
    let admin: PubSub;
    let publisher: PubSubPublisher;
    const servers: Server[] = [];
    beforeAll(async () => {
      host = await emulatorHost('pubsub');
      admin = new PubSub({
        projectId,
        apiEndpoint: host,
        emulatorMode: true,
        universeDomain: 'googleapis.com',
      });
      publisher = new PubSubPublisher({ projectId, emulatorHost: host });
    }, EMULATOR_STARTUP_TIMEOUT_MS);
    afterAll(async () => {
      await publisher.close();
      await admin.close();
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    });

    /**
     * Serves `handle` as a registered `cloudEvent` function through the Functions Framework's
     * own server on a free loopback port, and pushes a new topic's messages to it.
     */
    async function pushTo(handle: (event: CloudEvent<unknown>) => Promise<void>) {
      const name = uniqueName('function');
      cloudEvent(name, handle);
      const server = getTestServer(name);
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const topic = uniqueName('stage');
      const [created] = await admin.createTopic(topic);
      // The framework takes the topic's name from the path of a legacy push request.
      await created.createSubscription(uniqueName('push'), {
        pushConfig: {
          pushEndpoint: `http://127.0.0.1:${String(port)}/projects/${projectId}/topics/${topic}`,
        },
        ackDeadlineSeconds: 10,
      });
      return topic;
    }

    it('receives exactly the value published through PubSubPublisher', async () => {
      let deliver: (message: PubSubEventMessage) => void = () => undefined;
      const delivered = new Promise<PubSubEventMessage>((resolve) => (deliver = resolve));
      let received: CloudEvent<unknown> | undefined;
      const topic = await pushTo((incoming) => {
        received = incoming;
        deliver(decodePubSubEvent(incoming));
        return Promise.resolve();
      });
      const value = {
        schema: 'infrastream.push/v1',
        repository: 'acme/platform',
        nested: { list: [1, null, ['deep']], unicode: 'Grüße 🚀', empty: {} },
      };
      await publisher.publish(topic, value);
      const message = await delivered;
      expect(message.value).toEqual(value);
      expect(message.messageId).toMatch(/^\S+$/);
      expect(received?.type).toBe(PUBSUB_MESSAGE_PUBLISHED);
      expect(received?.source).toBe(
        `//pubsub.googleapis.com/projects/${projectId}/topics/${topic}`,
      );
    });

    it('gets the message again after the function throws (at least once)', async () => {
      const deliveries: PubSubEventMessage[] = [];
      let done: () => void = () => undefined;
      const twice = new Promise<void>((resolve) => (done = resolve));
      const topic = await pushTo((incoming) => {
        deliveries.push(decodePubSubEvent(incoming));
        if (deliveries.length === 1) return Promise.reject(new Error('a transient failure'));
        done();
        return Promise.resolve();
      });
      await publisher.publish(topic, { attempt: 'any' });
      await twice;
      expect(deliveries).toHaveLength(2);
      expect(deliveries[1]).toEqual(deliveries[0]);
      expect(deliveries[0]?.value).toEqual({ attempt: 'any' });
    }, 60_000);
  },
);
