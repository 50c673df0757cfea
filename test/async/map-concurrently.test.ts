import { describe, expect, it } from 'vitest';
import { mapConcurrently } from '../../shared/core/async/map-concurrently.ts';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('mapConcurrently', () => {
  it('keeps the order of the items and never runs more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const results = await mapConcurrently([5, 1, 4, 2, 3, 0, 6], 3, async (item, index) => {
      running++;
      most = Math.max(most, running);
      for (let wait = 0; wait < item; wait++) await tick();
      running--;
      return `${String(index)}:${String(item)}`;
    });
    expect(results).toEqual(['0:5', '1:1', '2:4', '3:2', '4:3', '5:0', '6:6']);
    expect(most).toBe(3);
    expect(await mapConcurrently([], 4, () => Promise.resolve(1))).toEqual([]);
  });

  it('rejects with the first failure and starts nothing after it', async () => {
    const started: number[] = [];
    await expect(
      mapConcurrently([0, 1, 2, 3, 4, 5], 2, async (item) => {
        started.push(item);
        await tick();
        if (item === 1) throw new Error(`item ${String(item)} failed`);
        return item;
      }),
    ).rejects.toThrow('item 1 failed');
    expect(started).toEqual([0, 1, 2]);
  });
});
