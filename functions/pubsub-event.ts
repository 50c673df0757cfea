import type { CloudEvent } from '@google-cloud/functions-framework';

/** The CloudEvent type of a Pub/Sub message, as Eventarc and the Functions Framework send it. */
export const PUBSUB_MESSAGE_PUBLISHED = 'google.cloud.pubsub.topic.v1.messagePublished';

/** A Pub/Sub message delivered to a stage, its JSON decoded. */
export interface PubSubEventMessage {
  /** Pub/Sub's id: the same on every redelivery, but never a business key (delivery is at least once). */
  readonly messageId: string;
  /** The message's data, parsed as JSON. */
  readonly value: unknown;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes the CloudEvent a `cloudEvent` function receives for a Pub/Sub message
 * (`data.message.data` is base64 of the JSON the publisher wrote). Throws an error that
 * says which part of the event is wrong, what was expected and what was found.
 */
export function decodePubSubEvent(event: CloudEvent<unknown>): PubSubEventMessage {
  const where = `Pub/Sub event ${typeof event.id === 'string' ? `"${event.id}"` : '(no id)'}`;
  const fail = (problem: string): never => {
    throw new Error(`${where}: ${problem}`);
  };
  if (event.type !== PUBSUB_MESSAGE_PUBLISHED) {
    fail(`expected type "${PUBSUB_MESSAGE_PUBLISHED}", found ${describe(event.type)}`);
  }
  const data = event.data;
  if (!isRecord(data)) return fail(`expected data to be an object, found ${describe(data)}`);
  const message = data['message'];
  if (!isRecord(message)) {
    return fail(`expected data.message to be an object, found ${describe(message)}`);
  }
  const encoded = message['data'];
  if (typeof encoded !== 'string' || encoded === '') {
    return fail(
      `expected data.message.data to be a non-empty base64 string, found ${describe(encoded)}`,
    );
  }
  if (!BASE64.test(encoded)) fail('data.message.data is not base64');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(encoded, 'base64'));
  } catch {
    return fail('data.message.data does not decode to UTF-8 text');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return fail(`data.message.data is not JSON: ${(error as Error).message}`);
  }
  const messageId = message['messageId'] ?? message['message_id'] ?? event.id;
  if (typeof messageId !== 'string' || messageId === '') {
    return fail(`expected data.message.messageId to be a string, found ${describe(messageId)}`);
  }
  return { messageId, value };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return value === '' ? 'an empty string' : `"${value}"`;
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : typeof value;
}
