import { NxsError } from '../core/errors.ts';
import { serialisePayload, checkQueueName } from '../queue/validate.ts';
import { checkSpec, checkTimeZone, nextRun, type ScheduleSpec } from './schedule.ts';
import { parseDuration } from './duration.ts';
import { MISSED_POLICIES, type MissedPolicy } from './missed-policy.ts';

/** What `nxs tasks add` and POST /api/tasks send. */
export interface TaskInput {
  name: string;
  cron?: string;
  tz?: string;
  every?: string | number;
  at?: string;
  queue: string;
  group?: string;
  payload?: unknown;
  missed?: MissedPolicy;
  maxLateness?: string | number;
}

/** A validated task, ready to store. */
export interface TaskDraft {
  name: string;
  spec: ScheduleSpec;
  queue: string;
  group: string | null;
  payloadJson: string;
  missed: MissedPolicy;
  maxLatenessMs: number;
  nextRun: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
export const DEFAULT_MAX_LATENESS_MS = 86_400_000;

function invalid(field: string, expected: string, got: unknown): never {
  throw new NxsError('NXS_ERR_TASK_INVALID', `${field} must be ${expected}; got ${JSON.stringify(got) ?? String(got)}`, { field, expected });
}

/** Checks every field, naming the first bad one; nothing is written before this passes. */
export function checkTaskInput(input: TaskInput, now: number): TaskDraft {
  if (typeof input !== 'object' || input === null) invalid('task', 'an object', input);
  if (typeof input.name !== 'string' || !NAME.test(input.name)) invalid('name', 'a name of 1-64 letters, digits, ".", "_", ":" or "-"', input.name);
  const kinds = (['cron', 'every', 'at'] as const).filter((k) => input[k] !== undefined);
  if (kinds.length !== 1) invalid('schedule', 'exactly one of cron (with tz), every or at', kinds.length ? kinds.join(' and ') : 'none');
  if (input.tz !== undefined && input.cron === undefined) invalid('tz', 'given only with cron', input.tz);
  let spec: ScheduleSpec;
  if (input.cron !== undefined) {
    if (typeof input.cron !== 'string' || input.cron.trim() === '') invalid('cron', 'a cron expression', input.cron);
    if (input.tz !== undefined) {
      if (typeof input.tz !== 'string') invalid('tz', 'an IANA time zone', input.tz);
      checkTimeZone(input.tz);
    }
    spec = { kind: 'cron', expr: input.cron.trim(), tz: input.tz ?? null };
  } else if (input.every !== undefined) {
    const ms = typeof input.every === 'string' || typeof input.every === 'number' ? parseDuration(input.every) : null;
    if (ms === null || ms < 1_000) invalid('every', 'a duration of at least 1s such as 30s, 5m, 1h30m or 2d', input.every);
    spec = { kind: 'every', everyMs: ms, anchor: now };
  } else {
    const at = typeof input.at === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(input.at) ? Date.parse(input.at) : NaN;
    if (!Number.isFinite(at)) invalid('at', 'an ISO 8601 time such as 2026-12-31T23:00:00Z', input.at);
    if (at <= now) invalid('at', 'a time in the future', input.at);
    spec = { kind: 'at', at };
  }
  checkSpec(spec);
  const queue = checkQueueName(input.queue, 'queue');
  if (input.group !== undefined && (typeof input.group !== 'string' || input.group.length === 0 || input.group.length > 200)) invalid('group', 'a string of 1-200 characters', input.group);
  const payloadJson = serialisePayload(input.payload ?? null, 'payload');
  const missed = input.missed ?? 'once';
  if (!MISSED_POLICIES.includes(missed)) invalid('missed', `one of ${MISSED_POLICIES.join(', ')}`, missed);
  const maxLatenessMs = input.maxLateness === undefined ? DEFAULT_MAX_LATENESS_MS : parseDuration(input.maxLateness);
  if (maxLatenessMs === null) invalid('max_lateness', 'a duration such as 30m, 6h or 2d', input.maxLateness);
  const next = nextRun(spec, spec.kind === 'every' ? now : now);
  if (next === null) invalid(spec.kind === 'cron' ? 'cron' : 'at', 'a schedule with a future run', input.cron ?? input.at);
  return { name: input.name, spec, queue, group: input.group ?? null, payloadJson, missed, maxLatenessMs, nextRun: next };
}
