import { Cron } from 'croner';
import { NxsError } from '../core/errors.ts';

export type ScheduleSpec = { kind: 'cron'; expr: string; tz: string | null } | { kind: 'every'; everyMs: number; anchor: number } | { kind: 'at'; at: number };

function invalid(field: string, expected: string, got: string): never {
  throw new NxsError('NXS_ERR_TASK_INVALID', `${field} must be ${expected}; got ${got}`, { field, expected });
}

export function checkTimeZone(tz: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    invalid('tz', 'an IANA time zone such as Europe/Paris or UTC', JSON.stringify(tz));
  }
}

function cronOf(expr: string, tz: string | null): Cron {
  try {
    return new Cron(expr, { paused: true, ...(tz ? { timezone: tz } : {}) });
  } catch (err) {
    return invalid('cron', 'a cron expression of 5 to 7 fields (minute hour day month weekday)', `${JSON.stringify(expr)} (${err instanceof Error ? err.message : String(err)})`);
  }
}

/** Throws NXS_ERR_TASK_INVALID naming the field when the spec cannot run. */
export function checkSpec(spec: ScheduleSpec): void {
  if (spec.kind === 'cron') {
    if (spec.tz !== null) checkTimeZone(spec.tz);
    const cron = cronOf(spec.expr, spec.tz);
    if (cron.nextRun(new Date(0)) === null && cron.nextRun() === null) invalid('cron', 'an expression that ever matches', JSON.stringify(spec.expr));
  } else if (spec.kind === 'every') {
    if (!(Number.isInteger(spec.everyMs) && spec.everyMs >= 1_000)) invalid('every', 'a duration of at least 1s', String(spec.everyMs));
  } else if (!(Number.isInteger(spec.at) && spec.at >= 0)) {
    invalid('at', 'an ISO 8601 time', String(spec.at));
  }
}

/**
 * The first run strictly after `after` (epoch ms), or null when there is none
 * (a one-shot time already passed). Pure: the same spec and time, the same answer.
 */
export function nextRun(spec: ScheduleSpec, after: number): number | null {
  switch (spec.kind) {
    case 'at':
      return spec.at > after ? spec.at : null;
    case 'every': {
      if (after < spec.anchor) return spec.anchor;
      return spec.anchor + (Math.floor((after - spec.anchor) / spec.everyMs) + 1) * spec.everyMs;
    }
    case 'cron': {
      const next = cronOf(spec.expr, spec.tz).nextRun(new Date(after));
      return next ? next.getTime() : null;
    }
  }
}
