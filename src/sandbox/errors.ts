import { EXIT, type ErrorTable } from '../core/errors.ts';

/** Codes owned by src/sandbox and src/tools. Each is documented in README.md's error table. */
export const SANDBOX_ERRORS = {
  NXS_ERR_TOOL_ARGS: { exit: EXIT.USAGE, http: 400, summary: 'A tool call named an unknown tool or had malformed arguments; the message names the field and the expected form.' },
  NXS_ERR_TOOL_DENIED: { exit: EXIT.DENIED, http: 403, summary: 'The agent lacks the capability, or the conversation the trust level, this tool needs.' },
  NXS_ERR_PATH_DENIED: { exit: EXIT.DENIED, http: 403, summary: 'A path is outside the sandbox policy (traversal, symlink escape, secret folder, read-only mount); refused before anything ran.' },
  NXS_ERR_PATH_NOT_FOUND: { exit: EXIT.NOT_FOUND, http: 404, summary: 'A path inside the sandbox policy does not exist.' },
  NXS_ERR_SANDBOX_UNAVAILABLE: { exit: EXIT.ENVIRONMENT, http: 503, summary: 'No sandbox backend works here and no unsandboxed override is active, so the command was not run.' },
  NXS_ERR_SANDBOX_FAILED: { exit: EXIT.FAILURE, http: 500, summary: 'The sandbox could not start the command (bwrap or the container runtime failed).' },
  NXS_ERR_EGRESS_DENIED: { exit: EXIT.DENIED, http: 403, summary: 'An outbound connection is not on the egress allowlist and no override covers it.' },
  NXS_ERR_EGRESS_FAILED: { exit: EXIT.UPSTREAM, http: 502, summary: 'An allowed outbound request failed (connection refused, timeout, TLS error).' },
  NXS_ERR_WORKSPACE_FULL: { exit: EXIT.ENVIRONMENT, http: 507, summary: "The sandbox workspace is at the tier's bound: a command that wrote past it had what it wrote cut back, and a write_file that would pass it was refused." },
  NXS_ERR_OVERRIDE_INVALID: { exit: EXIT.USAGE, http: 400, summary: 'A sandbox override request is malformed (kind, target, duration or reason).' },
} as const satisfies ErrorTable;

export type SandboxErrorCode = keyof typeof SANDBOX_ERRORS;
