import type { Command } from 'commander';
import type { CliContext } from './cli-context.ts';
import { registerStart } from './commands/start.ts';
import { registerStatus } from './commands/status.ts';

export type RegisterCommand = (program: Command, cli: CliContext) => void;

/** Every top-level command, in the order `nxs --help` lists them. */
export const COMMANDS: readonly RegisterCommand[] = [
  registerStart,
  registerStatus,
];
