import { describe, expect, it } from 'vitest';
import { GitHubError } from '../../shared/adapters/github-error.ts';
import { InProcessBus } from '../../shared/adapters/in-process-bus.ts';
import { TransientError } from '../../shared/pipeline/stage.ts';

/** Time that moves only when the bus waits: every wait is seen, and none is real. */
function manualTime(start = Date.UTC(2026, 0, 5, 9, 0, 0)) {
  let now = start;
  const waits: number[] = [];
  return {
    waits,
    elapsed: () => now - start,
    clock: { now: () => new Date(now).toISOString() },
    sleep: (ms: number) => {
      waits.push(ms);
      now += ms;
      return Promise.resolve();
    },
    at: (offsetMs: number) => new Date(start + offsetMs).toISOString(),
  };
}

describe('the in-process bus retries as Pub/Sub would', () => {
  it('backs off exponentially, within its bound, then sends the message to the dead letters', async () => {
    const time = manualTime();
    const bus = new InProcessBus({
      maxAttempts: 6,
      retry: { firstDelayMs: 100, maxDelayMs: 500 },
      clock: time.clock,
      sleep: time.sleep,
    });
    const attempts: number[] = [];
    bus.subscribe('t', () => {
      attempts.push(time.elapsed());
      return Promise.reject(new TransientError('the store is busy'));
    });

    await bus.publish('t', { n: 1 });
    await bus.drain();

    expect(time.waits).toEqual([100, 200, 400, 500, 500]);
    expect(attempts).toEqual([0, 100, 300, 700, 1200, 1700]);
    expect(bus.deadLetters.map((letter) => String(letter.error))).toEqual([
      'TransientError: the store is busy',
    ]);
  });

  it('delivers a rate-limited message again no sooner than the reset, and bounds the wait', async () => {
    const time = manualTime();
    const bus = new InProcessBus({
      retry: { firstDelayMs: 100, maxRateLimitWaitMs: 5_000 },
      clock: time.clock,
      sleep: time.sleep,
    });
    const limited = (resetInMs: number) =>
      new GitHubError('reading the tree: rate limited', 403, 'rate-limited', {
        retryAt: time.at(time.elapsed() + resetInMs),
      });
    const resets = [1_000, 60_000];
    const attempts: number[] = [];
    bus.subscribe('t', () => {
      attempts.push(time.elapsed());
      const reset = resets.shift();
      return reset === undefined ? Promise.resolve('done') : Promise.reject(limited(reset));
    });

    await bus.publish('t', {});
    const deliveries = await bus.drain();

    // A reset a second away is waited for; one a minute away, only as long as the bound.
    expect(time.waits).toEqual([1_000, 5_000]);
    expect(attempts).toEqual([0, 1_000, 6_000]);
    expect(deliveries.map((delivery) => delivery.outcome)).toEqual(['done']);
    expect(bus.deadLetters).toEqual([]);
  });

  it('delivers other messages while one waits to be retried', async () => {
    const time = manualTime();
    const bus = new InProcessBus({
      retry: { firstDelayMs: 1_000 },
      clock: time.clock,
      sleep: time.sleep,
    });
    const order: string[] = [];
    let failed = false;
    bus.subscribe('t', (message) => {
      const { name } = message as { name: string };
      order.push(`${name}@${String(time.elapsed())}`);
      if (name === 'first' && !failed) {
        failed = true;
        return Promise.reject(new Error('the process died'));
      }
      return Promise.resolve(name);
    });

    await bus.publish('t', { name: 'first' });
    await bus.publish('t', { name: 'second' });
    await bus.drain();

    expect(order).toEqual(['first@0', 'second@0', 'first@1000']);
  });
});
