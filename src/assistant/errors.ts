import { EXIT, type ErrorTable } from '../core/errors.ts';

/** Codes owned by src/assistant. Each is documented in README.md's error table. */
export const ASSISTANT_ERRORS = {
  NXS_ERR_MESSAGE_INVALID: { exit: EXIT.USAGE, http: 400, summary: 'a message is malformed: conversation id or text missing or of the wrong form' },
  NXS_ERR_MESSAGE_TOO_LARGE: { exit: EXIT.USAGE, http: 413, summary: 'a message is longer than assistant.max_message_bytes' },
  NXS_ERR_MESSAGE_NOT_FOUND: { exit: EXIT.NOT_FOUND, http: 404, summary: 'no message with that id' },
  NXS_ERR_CONVERSATION_DENIED: { exit: EXIT.DENIED, http: 403, summary: 'this conversation may not do that (privileged commands are for the main conversation)' },
  NXS_ERR_ASSISTANT_UNAVAILABLE: { exit: EXIT.UNAVAILABLE, http: 503, summary: 'the assistant is not running (no queue or LLM client on this host)' },
  NXS_ERR_CHANNEL_DOWN: { exit: EXIT.UPSTREAM, http: 502, summary: 'a channel (Telegram, webhook, outbox) could not deliver; the queue retries it' },
  NXS_ERR_DISK_FULL: { exit: EXIT.ENVIRONMENT, http: 507, summary: 'the disk is (nearly) full: new large work is refused until space is freed' },
  NXS_ERR_MEMORY_INVALID: { exit: EXIT.USAGE, http: 400, summary: 'a memory fact is empty or too long, or no remembered fact matches' },
  NXS_ERR_IDENTITY_DAMAGED: { exit: EXIT.ENVIRONMENT, http: 500, summary: 'an identity file in the data folder is missing or unreadable; the shipped default answers meanwhile' },
  NXS_ERR_IDENTITY_UNAVAILABLE: { exit: EXIT.UNAVAILABLE, http: 503, summary: 'no identity backup destination answered, or none is configured' },
  NXS_ERR_BACKUP_FAILED: { exit: EXIT.FAILURE, http: 500, summary: 'identity backup failed for every destination' },
} as const satisfies ErrorTable;
