import { InvalidArgumentError, type Command } from 'commander';

// Shared by the command files. Kept out of program.ts, which imports every command through
// commands.ts: helpers read back from it made a run-time cycle of 17 files.

/** Options every command that talks to a running host accepts. */
export function hostOptions(cmd: Command): Command {
  return cmd
    .option('--data-dir <dir>', 'the data folder of the host (default $NXS_HOME/data)')
    .option('--config <file>', 'config file (default $NXS_CONFIG or $NXS_HOME/nxs.yaml)')
    .option('--url <url>', 'talk to the host at this URL instead of the one in the data folder (the operator token goes only to a loopback URL)')
    .option('--token-file <file>', 'send the token in this file (0600) instead of the operator token; for a --url on another machine (or set NXS_API_TOKEN)');
}

export function parsePort(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected an integer from 0 to 65535');
  const n = Number(value);
  if (n > 65535) throw new InvalidArgumentError('expected an integer from 0 to 65535');
  return n;
}

export function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a positive integer');
  return Number(value);
}
