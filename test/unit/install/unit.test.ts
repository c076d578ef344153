import { describe, it, expect } from 'vitest';
import { checkWatchdogSec, renderUnit, type UnitSpec } from '../../../src/install/unit.ts';
import { tierForMachine, TIER_LIMITS } from '../../../src/install/limits.ts';
import { planInstall } from '../../../src/install/plan.ts';

const base: UnitSpec = { scope: 'system', binPath: '/usr/local/bin/nxs', tier: 'standard', shutdownTimeoutMs: 2000, watchdogSec: 60 };
const lines = (u: string): string[] => u.split('\n');

describe('renderUnit', () => {
  it('a system unit runs the stable copy as a DynamicUser with the tier limits and a restart policy', () => {
    const u = lines(renderUnit(base));
    expect(u).toContain('ExecStart=/usr/local/bin/nxs --nxs-quiet start');
    expect(u).toContain('DynamicUser=yes');
    expect(u).toContain('StateDirectory=nxs');
    expect(u).toContain('Environment=NXS_HOME=/var/lib/nxs');
    expect(u).toContain('Restart=on-failure');
    expect(u).toContain('RestartPreventExitStatus=2 3');
    expect(u).toContain('TimeoutStopSec=12s');
    expect(u).toContain('MemoryMax=2G');
    expect(u).toContain('CPUQuota=200%');
    expect(u).toContain('WantedBy=multi-user.target');
    expect(u).toContain('ProtectSystem=strict');
    expect(u.some((l) => l.startsWith('User='))).toBe(false);
  });

  it('is a Type=notify unit with a watchdog that Restart=on-failure acts on', () => {
    const u = lines(renderUnit(base));
    expect(u).toContain('Type=notify');
    // systemd-notify is a child of the host, not the main process.
    expect(u).toContain('NotifyAccess=all');
    expect(u).toContain('WatchdogSec=60s');
    expect(u).toContain('TimeoutStartSec=300s');
    expect(u).toContain('Restart=on-failure');
    expect(u).not.toContain('Type=simple');
    // The watchdog lives in [Service].
    expect(u.indexOf('WatchdogSec=60s')).toBeGreaterThan(u.indexOf('[Service]'));
    expect(u.indexOf('WatchdogSec=60s')).toBeLessThan(u.indexOf('[Install]'));
    expect(lines(renderUnit({ ...base, scope: 'user', watchdogSec: 120 }))).toContain('WatchdogSec=120s');
  });

  it('WatchdogSec=0 leaves the watchdog out but keeps Type=notify', () => {
    const u = lines(renderUnit({ ...base, watchdogSec: 0 }));
    expect(u.some((l) => l.startsWith('WatchdogSec'))).toBe(false);
    expect(u).toContain('Type=notify');
  });

  it.each([['5'], ['-1'], ['1.5'], ['sixty'], ['86401'], ['']])('--watchdog-sec %j is refused with the expected form', (v) => {
    expect(() => checkWatchdogSec(v)).toThrow(expect.objectContaining({ code: 'NXS_ERR_USAGE', message: expect.stringMatching(/--watchdog-sec must be 0 \(no watchdog\) or whole seconds from 10 to 86400/) }));
  });

  it.each([['0', 0], ['10', 10], ['60', 60], ['86400', 86400]] as const)('--watchdog-sec %s is %i', (v, n) => expect(checkWatchdogSec(v)).toBe(n));

  it.each([
    ['minimal', 'MemoryMax=384M', 'CPUQuota=100%'],
    ['standard', 'MemoryMax=2G', 'CPUQuota=200%'],
    ['full', 'MemoryMax=80%', undefined],
  ] as const)('tier %s sets %s and %s', (tier, mem, cpu) => {
    const u = lines(renderUnit({ ...base, tier }));
    expect(u).toContain(mem);
    if (cpu) expect(u).toContain(cpu);
    else expect(u.some((l) => l.startsWith('CPUQuota='))).toBe(false);
    expect(u).toContain(`TasksMax=${TIER_LIMITS[tier].tasksMax}`);
  });

  it('a named user replaces DynamicUser and gets its NXS_HOME writable', () => {
    const u = lines(renderUnit({ ...base, runAs: 'nxs', home: '/srv/nxs' }));
    expect(u).toContain('User=nxs');
    expect(u).toContain('ReadWritePaths=/srv/nxs');
    expect(u).toContain('Environment=NXS_HOME=/srv/nxs');
    expect(u).not.toContain('DynamicUser=yes');
  });

  it('a user unit has no identity switch and targets default.target', () => {
    const u = lines(renderUnit({ ...base, scope: 'user', binPath: '/home/ann/.local/bin/nxs', startArgs: ['--port', '8080'] }));
    expect(u).toContain('ExecStart=/home/ann/.local/bin/nxs --nxs-quiet start --port 8080');
    expect(u).toContain('WantedBy=default.target');
    expect(u.some((l) => /^(User|DynamicUser|Environment)=/.test(l))).toBe(false);
  });

  it('quotes a path with a space and refuses characters systemd would expand', () => {
    expect(lines(renderUnit({ ...base, binPath: '/opt/my apps/nxs' }))).toContain('ExecStart="/opt/my apps/nxs" --nxs-quiet start');
    for (const bad of ['/opt/$HOME/nxs', '/opt/a%b', '/opt/a"b', '/opt/a\nb']) {
      expect(() => renderUnit({ ...base, binPath: bad })).toThrow(expect.objectContaining({ code: 'NXS_ERR_USAGE' }));
    }
  });
});

describe('tierForMachine', () => {
  it.each([
    [512, 'minimal'],
    [1023, 'minimal'],
    [1024, 'standard'],
    [8191, 'standard'],
    [8192, 'full'],
  ] as const)('%i MiB is %s', (mb, tier) => expect(tierForMachine(mb * 1048576)).toBe(tier));
});

describe('planInstall', () => {
  const req = { home: '/home/ann', xdgConfigHome: undefined, tier: 'minimal' as const, shutdownTimeoutMs: 2000 };
  it.each([
    ['root', { uid: 0 }, 'system', '/usr/local/bin/nxs', '/etc/systemd/system/nxs.service', ['systemctl']],
    ['a user', { uid: 1000 }, 'user', '/home/ann/.local/bin/nxs', '/home/ann/.config/systemd/user/nxs.service', ['systemctl', '--user']],
    ['root asking for a user unit', { uid: 0, userUnit: true }, 'user', '/home/ann/.local/bin/nxs', '/home/ann/.config/systemd/user/nxs.service', ['systemctl', '--user']],
    ['a user with XDG_CONFIG_HOME', { uid: 1000, xdgConfigHome: '/cfg' }, 'user', '/home/ann/.local/bin/nxs', '/cfg/systemd/user/nxs.service', ['systemctl', '--user']],
    ['root with --bin-dir', { uid: 0, binDir: '/opt/bin' }, 'system', '/opt/bin/nxs', '/etc/systemd/system/nxs.service', ['systemctl']],
  ] as const)('%s', (_n, over, scope, bin, unit, sysctl) => {
    const p = planInstall({ ...req, ...over });
    expect(p.scope).toBe(scope);
    expect(p.binPath).toBe(bin);
    expect(p.unitPath).toBe(unit);
    expect(p.systemctl).toEqual(sysctl);
    expect(p.unit).toContain(`ExecStart=${bin} --nxs-quiet start`);
    expect(p.unit).toContain('WatchdogSec=60s');
  });

  it('refuses --run-as for a user unit and a user unit without HOME', () => {
    expect(() => planInstall({ ...req, uid: 1000, runAs: 'nxs' })).toThrow(expect.objectContaining({ code: 'NXS_ERR_USAGE' }));
    expect(() => planInstall({ ...req, uid: 1000, home: undefined })).toThrow(/needs \$HOME/);
  });
});
