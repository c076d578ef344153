import { Option, type Command } from 'commander';
import { totalmem } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../config/load.ts';
import { TIERS, type TierName } from '../../config/schema.ts';
import { NxsError } from '../../core/errors.ts';
import { tierForMachine } from '../../install/limits.ts';
import { planInstall, type InstallPlan } from '../../install/plan.ts';
import { checkWatchdogSec, DEFAULT_WATCHDOG_SEC } from '../../install/unit.ts';
import { install, realSystemctl, systemdRunning, uninstall } from '../../install/installer.ts';
import type { CliContext } from '../cli-context.ts';

interface InstallOpts {
  tier?: TierName;
  userUnit?: boolean;
  runAs?: string;
  binDir?: string;
  nxsHome?: string;
  port?: string;
  watchdogSec?: string;
  from?: string;
  dryRun?: boolean;
  start?: boolean;
  config?: string;
}

function plan(cli: CliContext, o: InstallOpts): InstallPlan {
  const { config } = loadConfig({ env: cli.env, flags: { config: o.config }, defaultsFile: path.join(cli.paths.payloadDir, 'nxs.yaml') });
  // A forced tier in config wins over the machine's size; --tier over both.
  const tier = o.tier ?? (config.tier !== 'auto' ? config.tier : tierForMachine(totalmem()));
  return planInstall({
    uid: process.getuid?.() ?? 0,
    home: cli.env.HOME,
    xdgConfigHome: cli.env.XDG_CONFIG_HOME,
    tier,
    userUnit: o.userUnit,
    runAs: o.runAs,
    binDir: o.binDir,
    nxsHome: o.nxsHome,
    startArgs: o.port ? ['--port', o.port] : [],
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    watchdogSec: o.watchdogSec === undefined ? undefined : checkWatchdogSec(o.watchdogSec),
  });
}

function common(cmd: Command): Command {
  return cmd
    .option('--user-unit', 'write a user unit (~/.config/systemd/user) even when root')
    .option('--bin-dir <dir>', 'where the stable copy of nxs goes (default /usr/local/bin, or ~/.local/bin for a user unit)')
    .option('--config <file>', 'config file to read tier and shutdown timeout from');
}

export function registerInstall(program: Command, cli: CliContext): void {
  common(program.command('install'))
    .description('install nxs for good: copy this file to a stable place and write a systemd unit (a user unit when not root)')
    .addOption(new Option('--tier <tier>', 'size the resource limits for this tier (default: config, else the machine)').choices([...TIERS]))
    .option('--run-as <user>', 'system unit: run as this existing user instead of a DynamicUser')
    .option('--nxs-home <dir>', 'NXS_HOME of the service (default /var/lib/nxs, or ~/.nxs for a user unit)')
    .option('--port <port>', 'pass --port to nxs start')
    .option('--watchdog-sec <s>', `restart the host when its event loop stops answering for this long (default ${DEFAULT_WATCHDOG_SEC}; 0: no watchdog)`)
    .option('--from <file>', 'the nxs single file to install (default: the file you are running)')
    .option('--no-start', 'enable the unit but do not start it now')
    .option('--dry-run', 'print the unit and where things would go; change nothing')
    .action((o: InstallOpts) => {
      if (o.port !== undefined && !/^\d{1,5}$/.test(o.port)) throw new NxsError('NXS_ERR_USAGE', `--port must be an integer from 0 to 65535; got ${o.port}`);
      const p = plan(cli, o);
      if (o.dryRun) {
        cli.stdout(`# ${p.scope} unit ${p.unitPath}\n# binary ${p.binPath}\n${p.unit}`);
        return;
      }
      // The header exports NXS_SELF: the path of the single file that was run.
      const source = o.from ?? cli.env.NXS_SELF;
      if (!source) throw new NxsError('NXS_ERR_INSTALL_SOURCE', 'not started from the nxs single file (NXS_SELF is unset); pass the file with --from dist/nxs');
      const r = install(p, path.resolve(source), { start: o.start !== false, systemctl: realSystemctl, systemd: systemdRunning() });
      cli.stdout(`installed ${p.binPath}\nwrote ${p.unitPath}\n${r.note}\n`);
    });

  common(program.command('uninstall'))
    .description('stop and remove the systemd unit and the installed copy (your data folder stays)')
    .option('--keep-binary', 'leave the installed copy of nxs in place')
    .action((o: InstallOpts & { keepBinary?: boolean }) => {
      const p = plan(cli, { ...o, tier: 'minimal' });
      const removed = uninstall(p, { keepBinary: Boolean(o.keepBinary), systemctl: realSystemctl, systemd: systemdRunning() });
      cli.stdout(removed.length ? removed.map((f) => `removed ${f}\n`).join('') : `nothing to remove (no ${p.unitPath})\n`);
    });
}
