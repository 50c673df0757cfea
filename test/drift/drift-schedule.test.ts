import { describe, expect, it } from 'vitest';
import { parseDriftSchedule, scheduledTime } from '../../shared/core/drift/drift-schedule.ts';

function schedule(expression: string) {
  const parsed = parseDriftSchedule(expression);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.schedule;
}

describe('the drift schedule', () => {
  it.each([
    // expression, a trigger's time, the scheduled time it stands for
    ['0 * * * *', '2026-12-03T19:00:00.000Z', '2026-12-03T19:00:00.000Z'],
    ['0 * * * *', '2026-12-03T19:00:41.512Z', '2026-12-03T19:00:00.000Z'],
    // A redelivery minutes later is the same sweep.
    ['0 * * * *', '2026-12-03T19:09:59.000Z', '2026-12-03T19:00:00.000Z'],
    ['*/15 * * * *', '2026-12-03T19:44:00.000Z', '2026-12-03T19:30:00.000Z'],
    ['30 6 * * *', '2026-12-03T06:29:00.000Z', '2026-12-02T06:30:00.000Z'],
    ['30 6 * * 1-5', '2026-12-07T07:00:00.000Z', '2026-12-07T06:30:00.000Z'],
    // Monday morning stands for Friday's.
    ['30 6 * * 1-5', '2026-12-07T06:00:00.000Z', '2026-12-04T06:30:00.000Z'],
    // Sunday as 7 and as 0.
    ['0 3 * * 7', '2026-12-09T00:00:00.000Z', '2026-12-06T03:00:00.000Z'],
    ['0 0 1 * *', '2026-12-03T19:00:00.000Z', '2026-12-01T00:00:00.000Z'],
    ['0 0 1,15 6 *', '2026-12-03T19:00:00.000Z', '2026-06-15T00:00:00.000Z'],
    // Both days restricted: either one is a day, as cron has it.
    ['0 12 1 * 3', '2026-12-03T19:00:00.000Z', '2026-12-02T12:00:00.000Z'],
    ['0 0 29 2 *', '2026-12-03T19:00:00.000Z', '2024-02-29T00:00:00.000Z'],
  ])('%s at %s is the sweep of %s', (expression, at, expected) => {
    expect(scheduledTime(schedule(expression), at)).toBe(expected);
  });

  it('has no time for a day that never comes', () => {
    expect(scheduledTime(schedule('0 0 31 2 *'), '2026-12-03T19:00:00.000Z')).toBeUndefined();
  });

  it.each([
    [
      '0 * * *',
      'expected five cron fields (minute hour day-of-month month day-of-week) such as "0 * * * *", found 4 in "0 * * *"',
    ],
    ['60 * * * *', 'minute: expected values from 0 to 59, found "60"'],
    ['0 * * JAN *', 'month: expected *, a number, a range a-b or a step /n, found "JAN"'],
    ['0 5-2 * * *', 'hour: expected values from 0 to 23, found "5-2"'],
    ['*/0 * * * *', 'minute: expected a step of 1 or more, found "*/0"'],
  ])('refuses "%s"', (expression, message) => {
    expect(parseDriftSchedule(expression)).toEqual({ ok: false, message });
  });
});
