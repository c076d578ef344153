// Errors carry codes. Every code lives in one registry (src/error-registry.ts) with
// the CLI exit code and HTTP status it maps to, so callers branch on `err.code`
// and never on message text. A test checks every code is documented in README.

/** Exit codes of the `nxs` CLI. Documented in README.md ("Exit codes"). */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  CONFIG: 3,
  UNAVAILABLE: 4,
  ENVIRONMENT: 5,
  NOT_FOUND: 6,
  DENIED: 7,
  BUSY: 8,
  INTEGRITY: 9,
  UPSTREAM: 10,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface ErrorSpec {
  /** CLI exit code when this error ends a command. */
  exit: ExitCode;
  /** HTTP status when this error answers a request. */
  http: number;
  /** One line for the README table: what it means. */
  summary: string;
}

export type ErrorTable = Record<`NXS_ERR_${string}`, ErrorSpec>;

/** An error with a stable code. `details` is structured and safe to show (no secrets). */
export class NxsError extends Error {
  readonly code: `NXS_ERR_${string}`;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: `NXS_ERR_${string}`, message: string, details?: Record<string, unknown>, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NxsError';
    this.code = code;
    this.details = details;
  }
}

export function isNxsError(err: unknown): err is NxsError {
  return err instanceof NxsError;
}

/** Node's system errors (`ENOENT`, `EADDRINUSE`...) carry `code`; read it without casts at call sites. */
export function systemErrorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    return (err as { code: string }).code;
  }
  return undefined;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
