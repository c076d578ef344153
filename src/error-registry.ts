import { CORE_ERRORS } from './core/core-errors.ts';
import { NxsError, EXIT, type ErrorSpec, type ExitCode } from './core/errors.ts';
import { DETECT_ERRORS } from './detect/errors.ts';
import { QUEUE_ERRORS } from './queue/errors.ts';
import { PROVIDERS_ERRORS } from './providers/errors.ts';
import { SUPERVISOR_ERRORS } from './supervisor/errors.ts';
import { ASSISTANT_ERRORS } from './assistant/errors.ts';
import { SANDBOX_ERRORS } from './sandbox/errors.ts';
import { INSTALL_ERRORS } from './install/errors.ts';
import { CHECKPOINTS_ERRORS } from './checkpoints/errors.ts';
import { DOCTOR_ERRORS } from './doctor/errors.ts';
import { CONSOLE_ERRORS } from './console/errors.ts';

// The registry sits at the top of src/, beside main.ts, because it lists every part's errors.ts:
// in core/ it made the spine depend on all the parts (test/unit/architecture/cycles.test.ts keeps
// core/ free of them). Each errors.ts imports only core/errors.ts, so reading this file from the
// HTTP server or the CLI adds no cycle.

/** Every error code nxs can raise, with its exit code and HTTP status. One place, one table. */
export const ERROR_REGISTRY: Readonly<Record<string, ErrorSpec>> = Object.freeze({
  ...CORE_ERRORS,
  ...DETECT_ERRORS,
  ...QUEUE_ERRORS,
  ...PROVIDERS_ERRORS,
  ...SUPERVISOR_ERRORS,
  ...ASSISTANT_ERRORS,
  ...SANDBOX_ERRORS,
  ...INSTALL_ERRORS,
  ...CHECKPOINTS_ERRORS,
  ...DOCTOR_ERRORS,
  ...CONSOLE_ERRORS,
});

export function specFor(code: string): ErrorSpec {
  return ERROR_REGISTRY[code] ?? ERROR_REGISTRY.NXS_ERR_INTERNAL!;
}

export function exitCodeFor(err: unknown): ExitCode {
  return err instanceof NxsError ? specFor(err.code).exit : EXIT.FAILURE;
}

export function httpStatusFor(err: unknown): number {
  return err instanceof NxsError ? specFor(err.code).http : 500;
}
