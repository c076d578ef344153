import type { TierName } from '../config/schema.ts';
import { NxsError } from '../core/errors.ts';
import { TIER_LIMITS } from './limits.ts';

export type UnitScope = 'system' | 'user';

export interface UnitSpec {
  scope: UnitScope;
  /** The stable copy of the single file that ExecStart runs. */
  binPath: string;
  tier: TierName;
  /** System scope: run as this existing user; absent means DynamicUser=yes. */
  runAs?: string | undefined;
  /** NXS_HOME of the service; absent keeps the default ($HOME/.nxs for user units, /var/lib/nxs for system ones). */
  home?: string | undefined;
  /** Extra arguments after `start` (e.g. --port 8080). */
  startArgs?: readonly string[];
  /** The host's graceful stop budget; systemd waits a little longer before SIGKILL. */
  shutdownTimeoutMs: number;
  /** systemd kills and restarts a host whose event loop has not pinged for this long; 0 turns the watchdog off. */
  watchdogSec: number;
}

export const DEFAULT_WATCHDOG_SEC = 60;
/** Each ping is a systemd-notify process every half-period: below this, pings cost more than they prove. */
export const MIN_WATCHDOG_SEC = 10;
export const MAX_WATCHDOG_SEC = 86_400;

/** The WatchdogSec value as given by a user (flag text or number); throws NXS_ERR_USAGE naming the form. */
export function checkWatchdogSec(v: string | number, what = '--watchdog-sec'): number {
  const n = typeof v === 'number' ? v : /^\d{1,6}$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || (n !== 0 && (n < MIN_WATCHDOG_SEC || n > MAX_WATCHDOG_SEC))) {
    throw new NxsError('NXS_ERR_USAGE', `${what} must be 0 (no watchdog) or whole seconds from ${MIN_WATCHDOG_SEC} to ${MAX_WATCHDOG_SEC}; got ${v}`, { value: String(v) });
  }
  return n;
}

/** systemd's exit statuses for usage and config mistakes: restarting cannot fix those. */
const NO_RESTART_EXITS = '2 3';

/**
 * The nxs.service text (pure: tests read it, `nxs install --dry-run` prints it).
 * Type=notify: systemd counts the host started at READY=1, not at exec, and
 * WatchdogSec= restarts a hung host (Restart=on-failure covers a watchdog
 * timeout). The host sends both through systemd-notify (src/install/sd-notifier.ts),
 * a child process, hence NotifyAccess=all.
 */
export function renderUnit(spec: UnitSpec): string {
  for (const [what, v] of [['binary path', spec.binPath], ['NXS_HOME', spec.home ?? ''], ['user', spec.runAs ?? ''], ...(spec.startArgs ?? []).map((a) => ['start argument', a])] as const) {
    if (/[\n\r"\\%$]/.test(v)) {
      throw new NxsError('NXS_ERR_USAGE', `the ${what} ${JSON.stringify(v)} cannot go into a systemd unit: it must not contain newlines, quotes, backslashes, % or $`, { value: v });
    }
  }
  const lim = TIER_LIMITS[spec.tier];
  const system = spec.scope === 'system';
  const home = spec.home ?? (system ? '/var/lib/nxs' : undefined);
  const exec = [spec.binPath, '--nxs-quiet', 'start', ...(spec.startArgs ?? [])].map(quoteArg).join(' ');
  const stopSec = Math.ceil(spec.shutdownTimeoutMs / 1000) + 10;
  const watchdogSec = checkWatchdogSec(spec.watchdogSec, 'WatchdogSec');
  const lines = [
    '# Written by `nxs install`; `nxs uninstall` removes it. Edits are lost on the next install:',
    '# put overrides in a drop-in instead (systemctl edit' + (system ? '' : ' --user') + ' nxs).',
    '[Unit]',
    'Description=nxs: survival host for an AI assistant',
    'Documentation=https://github.com/nxs/nxs#readme',
    ...(system ? ['Wants=network-online.target', 'After=network-online.target'] : []),
    // Ten failed starts in five minutes means something systemd cannot fix; stop trying.
    'StartLimitIntervalSec=300',
    'StartLimitBurst=10',
    '',
    '[Service]',
    'Type=notify',
    'NotifyAccess=all',
    `ExecStart=${exec}`,
    ...(home ? [`Environment=${quoteArg(`NXS_HOME=${home}`)}`] : []),
    'Restart=on-failure',
    'RestartSec=2s',
    // Until READY=1: a first run unpacks the runtime before Node starts (30 s in an emulated VM, docs/benchmarks/portability.md).
    'TimeoutStartSec=300s',
    ...(watchdogSec > 0 ? [`WatchdogSec=${watchdogSec}s`] : []),
    `RestartPreventExitStatus=${NO_RESTART_EXITS}`,
    `TimeoutStopSec=${stopSec}s`,
    'KillMode=mixed',
    `MemoryHigh=${lim.memoryHigh}`,
    `MemoryMax=${lim.memoryMax}`,
    ...(lim.cpuQuota ? [`CPUQuota=${lim.cpuQuota}`] : []),
    `TasksMax=${lim.tasksMax}`,
    `LimitNOFILE=${lim.nofile}`,
    ...(system ? systemSandboxing(spec, home!) : ['NoNewPrivileges=yes']),
    '',
    '[Install]',
    `WantedBy=${system ? 'multi-user.target' : 'default.target'}`,
    '',
  ];
  return lines.join('\n');
}

/** An unprivileged identity and a read-only system around the state folder. */
function systemSandboxing(spec: UnitSpec, home: string): string[] {
  const identity = spec.runAs
    ? [`User=${spec.runAs}`, `ReadWritePaths=${quoteArg(home)}`]
    : // DynamicUser owns /var/lib/nxs through StateDirectory; a custom NXS_HOME must be writable to it.
      ['DynamicUser=yes', 'StateDirectory=nxs', 'StateDirectoryMode=0700', ...(home === '/var/lib/nxs' ? [] : [`ReadWritePaths=${quoteArg(home)}`])];
  return [
    ...identity,
    `WorkingDirectory=${quoteArg(home)}`,
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    'ProtectHome=read-only',
    'PrivateTmp=yes',
    'PrivateDevices=no',
    'ProtectKernelTunables=yes',
    'ProtectControlGroups=yes',
    'RestrictSUIDSGID=yes',
  ];
}

/** systemd's own quoting: double quotes around anything with a space. */
function quoteArg(a: string): string {
  return /\s/.test(a) ? `"${a}"` : a;
}
