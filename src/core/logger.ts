import { pino, type Logger, type DestinationStream } from 'pino';
import type { SecretRedactor } from './secrets-redactor.ts';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Structured fields whose values are always secret, wherever they appear in a log object. */
export const REDACT_PATHS = [
  'apiKey', '*.apiKey', 'api_key', '*.api_key', 'token', '*.token', 'password', '*.password',
  'secret', '*.secret', 'authorization', '*.authorization', 'headers.authorization',
  '*.headers.authorization', 'credential', '*.credential', 'key', '*.key',
];

export interface LoggerOptions {
  level: LogLevel;
  redactor: SecretRedactor;
  /** Where lines go; stderr when omitted (stdout carries the ready banner and command output). Tests pass a sink. */
  destination?: DestinationStream;
  /** Also handed every line as written (scrubbed JSON): the console's live tail. */
  tap?: (line: string) => void;
}

/**
 * Pretty, human lines on stderr (for a TTY). pino-pretty and its dependencies
 * load only here, so a host logging JSON never evaluates them at start.
 */
export async function prettyDestination(): Promise<DestinationStream> {
  const { default: pretty } = await import('pino-pretty');
  return pretty({ destination: 2, sync: true, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
}

export function createLogger(opts: LoggerOptions): Logger {
  const destination = opts.destination ?? pino.destination({ fd: 2, sync: true });
  return pino(
    {
      level: opts.level,
      base: { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      hooks: {
        streamWrite: (line: string) => {
          const scrubbed = opts.redactor.scrub(line);
          opts.tap?.(scrubbed);
          return scrubbed;
        },
      },
    },
    destination,
  );
}
