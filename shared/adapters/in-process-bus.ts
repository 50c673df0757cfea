import { classifyFailure } from '../ports/classify-failure.ts';
import type { Clock } from '../ports/clock.ts';
import type { Publisher } from '../ports/publisher.ts';
import { systemClock } from './system-clock.ts';

/** A subscriber of one topic: throws to have the message delivered again. */
export type TopicHandler = (message: unknown) => Promise<unknown>;

/** What happened to one message. */
export interface Delivery {
  readonly topic: string;
  readonly message: unknown;
  readonly outcome: unknown;
}

/** When a message whose handler threw is delivered again. */
export interface RetryPolicy {
  /** The wait before the second attempt; each later one waits twice the one before. */
  readonly firstDelayMs: number;
  /** No backoff wait is longer. */
  readonly maxDelayMs: number;
  /** The longest wait for a rate limit's reset, however far away the backend puts it. */
  readonly maxRateLimitWaitMs: number;
}

/** Four retries over about four seconds, and a minute at most for a rate limit. */
const DEFAULT_RETRY: RetryPolicy = {
  firstDelayMs: 250,
  maxDelayMs: 10_000,
  maxRateLimitWaitMs: 60_000,
};

interface Queued {
  readonly topic: string;
  readonly message: unknown;
  attempts: number;
  /** Milliseconds since the epoch before which it is not delivered. */
  notBefore: number;
}

/**
 * The embedded bus: messages published here are delivered, one at a time and in order, to
 * the handler of their topic when {@link InProcessBus.drain} runs. Each message is copied
 * through JSON, as Pub/Sub would serialize it. A handler that throws gets the message again,
 * up to `maxAttempts`, as Pub/Sub's retry policy would deliver it: after a bounded
 * exponential backoff, or for a rate limit (see `classifyFailure`) no sooner than its reset,
 * within a bound; other messages are delivered meanwhile. After the last attempt the message
 * goes to the dead letters, as Pub/Sub's dead-letter policy would send it.
 */
export class InProcessBus implements Publisher {
  readonly #handlers = new Map<string, TopicHandler>();
  readonly #queue: Queued[] = [];
  readonly #maxAttempts: number;
  readonly #retry: RetryPolicy;
  readonly #clock: Clock;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly deadLetters: { topic: string; message: unknown; error: unknown }[] = [];

  constructor(
    options: {
      readonly maxAttempts?: number;
      readonly retry?: Partial<RetryPolicy>;
      /** Dates the waits; the system's unless a test moves time itself. */
      readonly clock?: Clock;
      /** Waits; a test's clock moves on in it. */
      readonly sleep?: (ms: number) => Promise<void>;
    } = {},
  ) {
    this.#maxAttempts = options.maxAttempts ?? 5;
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    this.#clock = options.clock ?? systemClock;
    this.#sleep =
      options.sleep ??
      ((ms) =>
        new Promise((resolve) => {
          setTimeout(resolve, ms);
        }));
  }

  /** Delivers the topic's messages to `handler`. */
  subscribe(topic: string, handler: TopicHandler): void {
    this.#handlers.set(topic, handler);
  }

  publish(topic: string, message: unknown): Promise<void> {
    try {
      this.#queue.push({
        topic,
        message: JSON.parse(JSON.stringify(message)),
        attempts: 0,
        notBefore: 0,
      });
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Delivers messages until none is left; returns what happened to each, in order. */
  async drain(): Promise<Delivery[]> {
    const deliveries: Delivery[] = [];
    while (this.#queue.length > 0) {
      const now = this.#now();
      const ready = this.#queue.findIndex((queued) => queued.notBefore <= now);
      if (ready === -1) {
        await this.#sleep(Math.min(...this.#queue.map((queued) => queued.notBefore)) - now);
        continue;
      }
      const [next] = this.#queue.splice(ready, 1) as [Queued];
      const handler = this.#handlers.get(next.topic);
      if (handler === undefined) throw new Error(`no subscriber for topic ${next.topic}`);
      try {
        deliveries.push({
          topic: next.topic,
          message: next.message,
          outcome: await handler(next.message),
        });
      } catch (error) {
        next.attempts++;
        if (next.attempts < this.#maxAttempts) {
          next.notBefore = this.#now() + this.#delay(error, next.attempts);
          this.#queue.push(next);
        } else {
          this.deadLetters.push({ topic: next.topic, message: next.message, error });
        }
      }
    }
    return deliveries;
  }

  /** The wait before attempt `attempts + 1`. */
  #delay(error: unknown, attempts: number): number {
    const failure = classifyFailure(error);
    if (failure.kind === 'rate-limited' && failure.retryAt !== undefined) {
      const untilReset = Date.parse(failure.retryAt) - this.#now();
      return Math.max(0, Math.min(untilReset, this.#retry.maxRateLimitWaitMs));
    }
    const { firstDelayMs, maxDelayMs } = this.#retry;
    return Math.min(firstDelayMs * 2 ** (attempts - 1), maxDelayMs);
  }

  #now(): number {
    return Date.parse(this.#clock.now());
  }
}
