import type { Command } from 'commander';
import path from 'node:path';
import { loadConfig } from '../../config/load.ts';
import { readHostFile } from '../../runtime/host-file.ts';
import { EXIT } from '../../core/errors.ts';
import { probeReady } from '../../install/health.ts';
import { positiveInt } from '../options.ts';
import type { CliContext } from '../cli-context.ts';

/**
 * For container and supervisor health checks: exit 0 when the local host
 * answers /readyz with 200, else 1. Silent unless --verbose; needs no token.
 */
export function registerHealth(program: Command, cli: CliContext): void {
  program
    .command('health')
    .description('exit 0 when the local host is ready (/readyz 200), else 1; silent unless --verbose')
    .option('--url <url>', 'the host to ask (default: the one in the data folder, else http://127.0.0.1:<port>)')
    .option('--data-dir <dir>', 'the data folder of the host')
    .option('--config <file>', 'config file')
    .option('--timeout <ms>', 'give up after this many milliseconds', positiveInt, 2000)
    .option('--verbose', 'say why')
    .action(async (o: { url?: string; dataDir?: string; config?: string; timeout: number; verbose?: boolean }) => {
      let url = o.url;
      if (!url) {
        const { config } = loadConfig({ env: cli.env, flags: { config: o.config, dataDir: o.dataDir }, defaultsFile: path.join(cli.paths.payloadDir, 'nxs.yaml') });
        // host.json names the real port (port 0 binds a random one); without it, the configured port.
        url = readHostFile(config.dataDir)?.url ?? `http://127.0.0.1:${config.server.port}`;
      }
      const r = await probeReady(url, o.timeout);
      if (o.verbose) (r.ok ? cli.stdout : cli.stderr)(`${r.ok ? 'ready' : 'not ready'}: ${r.detail} (${url})\n`);
      cli.setExitCode(r.ok ? EXIT.OK : EXIT.FAILURE);
    });
}
