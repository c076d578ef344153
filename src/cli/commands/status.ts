import type { Command } from 'commander';
import { HostClient, type HostClientOptions } from '../host-client.ts';
import { hostOptions } from '../options.ts';
import { json } from '../output.ts';
import { statusLines } from '../status-lines.ts';
import type { CliContext } from '../cli-context.ts';

export function registerStatus(program: Command, cli: CliContext): void {
  hostOptions(program.command('status'))
    .description('ask the running host how it is (exit 4 when none answers)')
    .option('--json', 'print the status as JSON')
    .action(async (opts: HostClientOptions & { json?: boolean }) => {
      const client = HostClient.connect(cli, opts);
      const status = (await client.ok('GET', '/api/status')) as Record<string, unknown>;
      if (opts.json) {
        cli.stdout(json(status));
        return;
      }
      cli.stdout(statusLines(status, client.url));
    });
}
