import { describe, it, expect } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { install, uninstall } from '../../../src/install/installer.ts';
import { planInstall, type InstallPlan } from '../../../src/install/plan.ts';

function setup(): { dir: string; plan: InstallPlan; source: string; calls: string[][]; [Symbol.dispose](): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'nxs-install-'));
  const p = planInstall({ uid: 1000, home: dir, xdgConfigHome: undefined, tier: 'minimal', shutdownTimeoutMs: 2000 });
  const source = path.join(dir, 'dist-nxs');
  writeFileSync(source, '#!/bin/sh\n# nxs 0.1.0 (x64): a self-extracting single file.\nexit 0\n', { mode: 0o600 });
  const calls: string[][] = [];
  return { dir, plan: p, source, calls, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('install and uninstall (user unit in a temp HOME)', () => {
  it('copies the file executable, writes the unit, then reloads and enables it through systemctl', () => {
    using s = setup();
    const r = install(s.plan, s.source, { start: true, systemd: true, systemctl: (a) => void s.calls.push([...a]) });
    expect(readFileSync(s.plan.binPath, 'utf8')).toBe(readFileSync(s.source, 'utf8'));
    expect(statSync(s.plan.binPath).mode & 0o777).toBe(0o755);
    expect(readFileSync(s.plan.unitPath, 'utf8')).toBe(s.plan.unit);
    expect(s.calls).toEqual([
      ['systemctl', '--user', 'daemon-reload'],
      ['systemctl', '--user', 'enable', '--now', 'nxs.service'],
    ]);
    expect(r.started).toBe(true);

    const removed = uninstall(s.plan, { keepBinary: false, systemd: true, systemctl: (a) => void s.calls.push([...a]) });
    expect(removed).toEqual([s.plan.unitPath, s.plan.binPath]);
    expect(existsSync(s.plan.unitPath) || existsSync(s.plan.binPath)).toBe(false);
    expect(s.calls.slice(2)).toEqual([
      ['systemctl', '--user', 'disable', '--now', 'nxs.service'],
      ['systemctl', '--user', 'daemon-reload'],
    ]);
  });

  it('without systemd it writes the files, calls nothing and says how to enable it', () => {
    using s = setup();
    const r = install(s.plan, s.source, { start: true, systemd: false, systemctl: (a) => void s.calls.push([...a]) });
    expect(s.calls).toEqual([]);
    expect(r.note).toMatch(/systemctl --user enable --now nxs.service/);
    expect(uninstall(s.plan, { keepBinary: true, systemd: false, systemctl: (a) => void s.calls.push([...a]) })).toEqual([s.plan.unitPath]);
    expect(existsSync(s.plan.binPath)).toBe(true);
  });

  it('refuses a file that is not an nxs single file, and leaves nothing behind', () => {
    using s = setup();
    writeFileSync(s.source, '\x7fELF not us');
    expect(() => install(s.plan, s.source, { start: true, systemd: false, systemctl: () => {} })).toThrow(expect.objectContaining({ code: 'NXS_ERR_INSTALL_SOURCE' }));
    expect(existsSync(s.plan.binPath) || existsSync(s.plan.unitPath)).toBe(false);
  });

  it('a systemctl failure surfaces as its coded error', () => {
    using s = setup();
    const failing = (): void => {
      throw Object.assign(new Error('x'), { code: 'NXS_ERR_INSTALL_SYSTEMCTL' });
    };
    expect(() => install(s.plan, s.source, { start: true, systemd: true, systemctl: failing })).toThrow(expect.objectContaining({ code: 'NXS_ERR_INSTALL_SYSTEMCTL' }));
  });
});
