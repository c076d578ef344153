import path from 'node:path';
import type { TierName } from '../config/schema.ts';
import { NxsError } from '../core/errors.ts';
import { DEFAULT_WATCHDOG_SEC, renderUnit, type UnitScope } from './unit.ts';

export const UNIT_NAME = 'nxs.service';

export interface InstallRequest {
  uid: number;
  home: string | undefined;
  /** $XDG_CONFIG_HOME, for the user unit folder. */
  xdgConfigHome: string | undefined;
  tier: TierName;
  /** Force a user unit even as root. */
  userUnit?: boolean;
  runAs?: string | undefined;
  /** Where the stable copy goes; default /usr/local/bin (system) or ~/.local/bin (user). */
  binDir?: string | undefined;
  nxsHome?: string | undefined;
  startArgs?: readonly string[];
  shutdownTimeoutMs: number;
  /** WatchdogSec of the unit; default 60, 0 for none. */
  watchdogSec?: number | undefined;
}

export interface InstallPlan {
  scope: UnitScope;
  binPath: string;
  unitPath: string;
  unit: string;
  /** argv prefix for this scope: ['systemctl'] or ['systemctl', '--user']. */
  systemctl: readonly string[];
}

/** Where everything goes, decided from who runs it (pure; tests cover each case). */
export function planInstall(r: InstallRequest): InstallPlan {
  const scope: UnitScope = r.uid === 0 && !r.userUnit ? 'system' : 'user';
  if (scope === 'user' && r.runAs) {
    throw new NxsError('NXS_ERR_USAGE', '--run-as needs a system unit: run nxs install as root (a user unit always runs as you)');
  }
  if (scope === 'user' && !r.home) {
    throw new NxsError('NXS_ERR_USAGE', 'a user unit needs $HOME (for ~/.local/bin and ~/.config/systemd/user); set HOME or run as root for a system unit');
  }
  const binDir = path.resolve(r.binDir ?? (scope === 'system' ? '/usr/local/bin' : path.join(r.home!, '.local/bin')));
  const unitDir = scope === 'system' ? '/etc/systemd/system' : path.join(r.xdgConfigHome ?? path.join(r.home!, '.config'), 'systemd/user');
  const binPath = path.join(binDir, 'nxs');
  const unit = renderUnit({
    scope,
    binPath,
    tier: r.tier,
    runAs: r.runAs,
    home: r.nxsHome ? path.resolve(r.nxsHome) : undefined,
    startArgs: r.startArgs ?? [],
    shutdownTimeoutMs: r.shutdownTimeoutMs,
    watchdogSec: r.watchdogSec ?? DEFAULT_WATCHDOG_SEC,
  });
  return { scope, binPath, unitPath: path.join(unitDir, UNIT_NAME), unit, systemctl: scope === 'system' ? ['systemctl'] : ['systemctl', '--user'] };
}
