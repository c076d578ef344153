import { Option, type Command } from 'commander';
import { startHost } from '../../boot/host.ts';
import { EXIT, errorMessage, isNxsError } from '../../core/errors.ts';
import { exitCodeFor } from '../../error-registry.ts';
import { TIERS } from '../../config/schema.ts';
import { parsePort } from '../options.ts';
import type { CliContext } from '../cli-context.ts';

export function registerStart(program: Command, cli: CliContext): void {
  program
    .command('start')
    .description('run the host in the foreground until SIGINT or SIGTERM')
    .option('-p, --port <n>', 'HTTP port (0 picks a free one and prints it; default $NXS_PORT or 7878)', parsePort)
    .option('--data-dir <dir>', 'data folder (default $NXS_HOME/data)')
    .option('--config <file>', 'config file (default $NXS_CONFIG or $NXS_HOME/nxs.yaml)')
    .addOption(new Option('--tier <tier>', 'force a resource tier instead of detecting one').choices(TIERS))
    .action(async (opts: { port?: number; dataDir?: string; config?: string; tier?: string }) => {
      // Listen for signals before anything else: a SIGTERM that lands during boot
      // (or right after the banner) must still mean a clean stop and exit 0.
      let signalled: (signal: NodeJS.Signals) => void = () => {};
      const stopRequested = new Promise<NodeJS.Signals>((resolve) => (signalled = resolve));
      const onSignal = (signal: NodeJS.Signals): void => signalled(signal);
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const host = await startHost({ version: cli.version, env: cli.env, flags: opts, paths: cli.paths });
      process.on('uncaughtException', (err) => {
        try {
          host.ctx.log.fatal({ err: host.ctx.redactor.scrub(errorMessage(err)), stack: host.ctx.redactor.scrub(err.stack ?? '') }, 'uncaught exception; stopping');
        } catch {
          // A throw from here would make Node print the raw error, which may quote a secret: a fixed line instead, and the clean stop below.
          cli.stderr('nxs: uncaught exception; it could not be logged, stopping\n');
        }
        cli.setExitCode(isNxsError(err) ? exitCodeFor(err) : EXIT.FAILURE);
        signalled('SIGABRT');
      });
      const c = host.ctx.config;
      cli.stdout(`nxs ${cli.version} ready at ${host.url} (data ${c.dataDir}, tier ${host.ctx.profile.current.tier}, boot ${host.ctx.bootLog.bootId})\n`);
      const signal = await stopRequested;
      try {
        await host.stop(signal === 'SIGABRT' ? 'uncaught exception' : `signal ${signal}`);
      } catch (err) {
        cli.stderr(`nxs: stop failed: ${errorMessage(err)}\n`);
        cli.setExitCode(EXIT.FAILURE);
      }
    });
}
