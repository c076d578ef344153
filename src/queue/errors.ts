import { EXIT, type ErrorTable } from '../core/errors.ts';

/** Codes owned by src/queue and src/scheduler. Each is documented in README.md's error table. */
export const QUEUE_ERRORS = {
  NXS_ERR_QUEUE_FULL: { exit: EXIT.BUSY, http: 429, summary: 'A queue or a group reached its bound for this tier; retry later.' },
  NXS_ERR_QUEUE_UNKNOWN: { exit: EXIT.NOT_FOUND, http: 404, summary: 'The named queue was never declared.' },
  NXS_ERR_QUEUE_INVALID: { exit: EXIT.USAGE, http: 400, summary: 'A job field is invalid (payload not JSON-serialisable, bad priority, runAt or key); the message names the field.' },
  NXS_ERR_JOB_NOT_FOUND: { exit: EXIT.NOT_FOUND, http: 404, summary: 'No job has this id.' },
  NXS_ERR_JOB_NOT_DEAD: { exit: EXIT.USAGE, http: 409, summary: 'Only a dead job can be re-run.' },
  NXS_ERR_QUEUE_STOPPED: { exit: EXIT.UNAVAILABLE, http: 503, summary: 'The queue is stopping and takes no new work.' },
  NXS_ERR_JOB_TIMEOUT: { exit: EXIT.FAILURE, http: 504, summary: 'A job did not finish in time: an attempt outlived its lease, every attempt was cut by a crash, or a selftest ran past its timeout.' },
  NXS_ERR_TASK_INVALID: { exit: EXIT.USAGE, http: 400, summary: 'A scheduled task is invalid (cron expression, time zone, interval, time, payload or missed-run policy); the message names the field.' },
  NXS_ERR_TASK_NOT_FOUND: { exit: EXIT.NOT_FOUND, http: 404, summary: 'No scheduled task has this name.' },
  NXS_ERR_TASK_EXISTS: { exit: EXIT.USAGE, http: 409, summary: 'A scheduled task with this name already exists.' },
} as const satisfies ErrorTable;
