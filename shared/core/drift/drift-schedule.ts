/**
 * When drift sweeps run: a five-field cron expression (minute, hour, day of month, month,
 * day of week) in UTC, as Cloud Scheduler reads it. Each field is `*`, a number, a range
 * `a-b`, either with a step `/n`, or a comma-separated list of those.
 */
export interface DriftSchedule {
  /** The expression as written, for Cloud Scheduler and messages. */
  readonly expression: string;
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly daysOfMonth: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  /** 0 is Sunday; 7 is read as Sunday too. */
  readonly daysOfWeek: ReadonlySet<number>;
  /** Whether day of month and day of week were both restricted: then either matching is a day. */
  readonly eitherDay: boolean;
}

/** A schedule, or what is wrong with the expression. */
export type ScheduleParse =
  | { readonly ok: true; readonly schedule: DriftSchedule }
  | { readonly ok: false; readonly message: string };

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
] as const;

/** Reads a five-field cron expression; names of months and days are not accepted. */
export function parseDriftSchedule(expression: string): ScheduleParse {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5)
    return {
      ok: false,
      message: `expected five cron fields (minute hour day-of-month month day-of-week) such as "0 * * * *", found ${fields.length} in "${expression}"`,
    };
  const sets: Set<number>[] = [];
  for (const [index, field] of fields.entries()) {
    const bounds = FIELDS[index] as (typeof FIELDS)[number];
    const values = parseField(field, bounds.min, bounds.max);
    if (typeof values === 'string') return { ok: false, message: `${bounds.name}: ${values}` };
    sets.push(values);
  }
  const [minutes, hours, daysOfMonth, months, daysOfWeek] = sets as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  if (daysOfWeek.delete(7)) daysOfWeek.add(0);
  return {
    ok: true,
    schedule: {
      expression: fields.join(' '),
      minutes,
      hours,
      daysOfMonth,
      months,
      daysOfWeek,
      eitherDay: fields[2] !== '*' && fields[4] !== '*',
    },
  };
}

function parseField(field: string, min: number, max: number): Set<number> | string {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const match = /^(\*|(\d{1,2})(?:-(\d{1,2}))?)(?:\/(\d{1,2}))?$/.exec(part);
    if (match === null) return `expected *, a number, a range a-b or a step /n, found "${part}"`;
    const from = match[1] === '*' ? min : Number(match[2]);
    const to =
      match[1] === '*'
        ? max
        : match[3] === undefined
          ? match[4] === undefined
            ? from
            : max
          : Number(match[3]);
    const step = match[4] === undefined ? 1 : Number(match[4]);
    if (from < min || to > max || from > to)
      return `expected values from ${min} to ${max}, found "${part}"`;
    if (step < 1) return `expected a step of 1 or more, found "${part}"`;
    for (let value = from; value <= to; value += step) values.add(value);
  }
  return values;
}

const MINUTE_MS = 60_000;

/** Far enough back for any schedule that fires at all (a 29 February fires every 4 years). */
const LOOKBACK_DAYS = 5 * 366;

/**
 * The schedule's latest time at or before `at` (ISO-8601), as ISO-8601 to the minute: the
 * scheduled time a trigger received at `at` stands for. Undefined when the schedule never
 * fired in the last five years (a 31 February).
 */
export function scheduledTime(schedule: DriftSchedule, at: string): string | undefined {
  let time = Math.floor(Date.parse(at) / MINUTE_MS) * MINUTE_MS;
  const limit = time - LOOKBACK_DAYS * 24 * 60 * MINUTE_MS;
  while (time >= limit) {
    const date = new Date(time);
    if (!dayMatches(schedule, date)) {
      // Back to the last minute of the day before.
      time = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()) - MINUTE_MS;
      continue;
    }
    if (!schedule.hours.has(date.getUTCHours())) {
      time =
        Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate(), date.getUTCHours()) -
        MINUTE_MS;
      continue;
    }
    if (schedule.minutes.has(date.getUTCMinutes())) return date.toISOString();
    time -= MINUTE_MS;
  }
  return undefined;
}

function dayMatches(schedule: DriftSchedule, date: Date): boolean {
  if (!schedule.months.has(date.getUTCMonth() + 1)) return false;
  const ofMonth = schedule.daysOfMonth.has(date.getUTCDate());
  const ofWeek = schedule.daysOfWeek.has(date.getUTCDay());
  return schedule.eitherDay ? ofMonth || ofWeek : ofMonth && ofWeek;
}
