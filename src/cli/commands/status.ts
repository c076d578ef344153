import type { Command } from 'commander';
import { HostClient, type HostClientOptions } from '../host-client.ts';
import { hostOptions } from '../program.ts';
import { json } from '../output.ts';
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
      const lines = [
        `nxs ${String(status.version)} running at ${client.url} (pid ${String(status.pid)})`,
        `  boot      ${String(status.boot_id)}, up ${Math.round(Number(status.uptime_ms) / 1000)} s`,
        `  data      ${String(status.data_dir)}`,
        `  tier      ${String(status.tier)}`,
        `  memory    ${Math.round(Number(status.memory_rss_bytes) / 1048576)} MiB resident`,
      ];
      for (const [key, value] of Object.entries(status)) {
        if (['version', 'pid', 'boot_id', 'uptime_ms', 'data_dir', 'tier', 'memory_rss_bytes'].includes(key)) continue;
        lines.push(`  ${key.padEnd(9)} ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
      }
      cli.stdout(lines.join('\n') + '\n');
    });
}
