import { z } from 'zod';

/**
 * Cron triggers as Workers reads them (`triggers.crons`): five fields,
 * minute hour day-of-month month day-of-week, in UTC. Numbers, `*`, ranges,
 * steps, lists and the English names of months and days are understood;
 * Quartz's `L`, `W` and `#` are refused with that reason.
 */

/** As many schedules as an app may have (Workers' own limit on its paid plan). */
export const MAX_CRONS = 5;

interface Field {
  name: string;
  min: number;
  max: number;
  names?: string[];
}

const FIELDS: Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  },
  { name: 'day of week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

/** A schedule, each field as the set of values it allows. */
export interface CronSchedule {
  minutes: Set<number>;
  hours: Set<number>;
  daysOfMonth: Set<number>;
  months: Set<number>;
  daysOfWeek: Set<number>;
  /** Both day fields restricted: either matches, as cron has always done. */
  eitherDay: boolean;
}

export class CronError extends Error {}

function value(text: string, field: Field, expression: string): number {
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  const n = named >= 0 ? named + (field.name === 'month' ? 1 : 0) : Number(text);
  if (!/^\d+$/.test(text) && named < 0) {
    throw new CronError(
      /[LW#]/i.test(text)
        ? `"${expression}": ${text} (L, W and #) is not supported on Gov; use numbers, ranges and steps`
        : `"${expression}": "${text}" is not a valid ${field.name}`,
    );
  }
  if (n < field.min || n > field.max) {
    throw new CronError(
      `"${expression}": the ${field.name} ${text} is out of range (${field.min} to ${field.max})`,
    );
  }
  return n;
}

function parseField(text: string, field: Field, expression: string): Set<number> {
  const allowed = new Set<number>();
  for (const part of text.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (
      !Number.isInteger(step) ||
      step < 1 ||
      (stepText !== undefined && !/^\d+$/.test(stepText))
    ) {
      throw new CronError(
        `"${expression}": the step "${stepText}" of the ${field.name} is not a whole number`,
      );
    }
    let from: number;
    let to: number;
    if (range === '*') {
      from = field.min;
      to = field.max === 7 ? 6 : field.max;
    } else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      from = value(a, field, expression);
      to = value(b, field, expression);
      if (from > to) {
        throw new CronError(`"${expression}": the ${field.name} range ${range} runs backwards`);
      }
    } else {
      from = value(range, field, expression);
      to = stepText === undefined ? from : field.max;
    }
    for (let n = from; n <= to; n += step) allowed.add(field.max === 7 && n === 7 ? 0 : n);
  }
  return allowed;
}

/** Reads one cron expression; throws a CronError naming what is wrong. */
export function parseCron(expression: string): CronSchedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) {
    throw new CronError(
      `"${expression}" has ${parts.length} fields; a cron has 5: minute hour day-of-month month day-of-week`,
    );
  }
  const [minutes, hours, daysOfMonth, months, daysOfWeek] = parts.map((p, i) =>
    parseField(p, FIELDS[i] as Field, expression),
  ) as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  return {
    minutes,
    hours,
    daysOfMonth,
    months,
    daysOfWeek,
    eitherDay: parts[2] !== '*' && parts[4] !== '*',
  };
}

/** Whether the schedule fires at this minute (UTC). */
export function cronMatches(schedule: CronSchedule, at: Date): boolean {
  if (!schedule.minutes.has(at.getUTCMinutes()) || !schedule.hours.has(at.getUTCHours())) {
    return false;
  }
  if (!schedule.months.has(at.getUTCMonth() + 1)) return false;
  const dom = schedule.daysOfMonth.has(at.getUTCDate());
  const dow = schedule.daysOfWeek.has(at.getUTCDay());
  return schedule.eitherDay ? dom || dow : dom && dow;
}

export const cronSchema = z
  .string()
  .max(100)
  .superRefine((expression, ctx) => {
    try {
      parseCron(expression);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  });

export const triggersSchema = z.strictObject({
  crons: z.array(cronSchema).max(MAX_CRONS, `at most ${MAX_CRONS} cron triggers`),
});
