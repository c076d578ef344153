import { EXIT, type ErrorTable } from '../core/errors.ts';

/** Codes owned by src/supervisor. Each is documented in README.md's error table. */
export const SUPERVISOR_ERRORS = {
  NXS_ERR_AGENT_NOT_FOUND: { exit: EXIT.NOT_FOUND, http: 404, summary: 'No agent has this id (it was never spawned or has been killed).' },
  NXS_ERR_AGENT_INVALID: { exit: EXIT.USAGE, http: 400, summary: 'An agent spawn request is invalid (name, capabilities, settings or module); the message names the field.' },
  NXS_ERR_AGENT_UNKNOWN: { exit: EXIT.USAGE, http: 400, summary: 'No agent of this name is shipped with nxs or defined in the config (an unknown name no longer becomes the echo agent).' },
  NXS_ERR_AGENT_MODULE_REFUSED: { exit: EXIT.USAGE, http: 400, summary: 'An agent module is not loaded: it is outside the configured agents folder (supervisor.agents_dir), or a path component is a symlink, not owned by the host user or root, or writable by group or others.' },
  NXS_ERR_AGENT_LIMIT: { exit: EXIT.BUSY, http: 429, summary: 'The tier allows no more running agents; kill one or raise the tier.' },
  NXS_ERR_AGENT_PARKED: { exit: EXIT.BUSY, http: 409, summary: 'The agent crash-looped and is parked; restart it explicitly once fixed.' },
  NXS_ERR_AGENT_UNAVAILABLE: { exit: EXIT.UNAVAILABLE, http: 503, summary: 'The agent is not running (restarting, stopped or crashed during the task).' },
  NXS_ERR_AGENT_IN_HOST: { exit: EXIT.USAGE, http: 409, summary: "The agent runs inside the host process (one of nxs's own agents): it has no worker to restart and takes no tasks." },
  NXS_ERR_AGENT_TASK_FAILED: { exit: EXIT.FAILURE, http: 502, summary: "The agent's task handler threw; the message carries its error." },
  NXS_ERR_CPU_INVALID: { exit: EXIT.USAGE, http: 400, summary: 'target_cpu is not a CPU of this machine.' },
  NXS_ERR_AUDIT_NOT_FOUND: { exit: EXIT.NOT_FOUND, http: 404, summary: 'No audit entry has this operation id for this agent.' },
  NXS_ERR_TOKEN_INVALID: { exit: EXIT.USAGE, http: 400, summary: 'A token request is invalid (unknown capability, empty set, bad agent); the message names the field.' },
  NXS_ERR_TOKEN_NOT_FOUND: { exit: EXIT.NOT_FOUND, http: 404, summary: 'No API token has this id.' },
  NXS_ERR_GPU_DEVICE_NOT_FOUND: { exit: EXIT.NOT_FOUND, http: 404, summary: 'No GPU device has this id (none are detected on a box without a GPU).' },
  NXS_ERR_GPU_HANDLE_NOT_FOUND: { exit: EXIT.NOT_FOUND, http: 404, summary: 'No GPU claim has this handle (released, preempted or never made).' },
  NXS_ERR_GPU_BUSY: { exit: EXIT.BUSY, http: 409, summary: 'The GPU device is claimed at an equal or higher priority.' },
  NXS_ERR_IPC_TYPE_MISMATCH: { exit: EXIT.USAGE, http: 400, summary: "An IPC message's data does not match its declared type or schema." },
  NXS_ERR_IPC_INVALID: { exit: EXIT.USAGE, http: 400, summary: 'An IPC request matches neither documented format; the message names the field.' },
  NXS_ERR_IPC_BACKLOG_FULL: { exit: EXIT.BUSY, http: 429, summary: "The recipient's undelivered IPC messages fill the tier's bound (count or bytes); retry once it has taken them." },
  NXS_ERR_IPC_TOO_LARGE: { exit: EXIT.USAGE, http: 413, summary: "One IPC message is larger than an agent's whole inbox may hold at this tier." },
} as const satisfies ErrorTable;
