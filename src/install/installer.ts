import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { NxsError, errorMessage, systemErrorCode } from '../core/errors.ts';
import { writeFileAtomic } from '../runtime/atomic-write.ts';
import { UNIT_NAME, type InstallPlan } from './plan.ts';

/** Runs one systemctl command; injected so tests can record instead of calling systemd. */
export type Systemctl = (argv: readonly string[]) => void;

export const realSystemctl: Systemctl = (argv) => {
  try {
    execFileSync(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new NxsError('NXS_ERR_INSTALL_SYSTEMCTL', `${argv.join(' ')} failed: ${stderr || errorMessage(err)}`, { argv: [...argv] });
  }
};

/** systemd is the init here (its runtime folder exists), so systemctl calls can work. */
export function systemdRunning(): boolean {
  return existsSync('/run/systemd/system');
}

/** The single file starts with our sh header; refuse to install anything else as nxs. */
export function assertNxsFile(file: string): void {
  let head = '';
  try {
    const fd = openSync(file, 'r');
    const buf = Buffer.alloc(64);
    const n = readSync(fd, buf, 0, 64, 0);
    closeSync(fd);
    head = buf.subarray(0, n).toString('latin1');
  } catch (err) {
    throw new NxsError('NXS_ERR_INSTALL_SOURCE', `cannot read ${file} to install it (${errorMessage(err)})`, { file });
  }
  if (!/^#!\/bin\/sh\n# nxs /.test(head)) {
    throw new NxsError('NXS_ERR_INSTALL_SOURCE', `${file} is not an nxs single file (it lacks the nxs sh header); pass the dist/nxs file with --from`, { file });
  }
}

/** Copies through a temp file and a rename: a running old copy keeps its inode, and a failure leaves nothing half-written. */
function installBinary(source: string, dest: string): void {
  if (path.resolve(source) === path.resolve(dest)) return;
  const tmp = `${dest}.tmp-${process.pid}`;
  try {
    mkdirSync(path.dirname(dest), { recursive: true });
    copyFileSync(source, tmp);
    // copyFileSync keeps the source mode; the copy must be executable by the service user.
    chmodSync(tmp, 0o755);
    renameSync(tmp, dest);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new NxsError('NXS_ERR_INSTALL_WRITE', `cannot install ${source} as ${dest} (${errorMessage(err)}); run as root for a system unit, or pass --bin-dir`, { dest, errno: systemErrorCode(err) });
  }
}

export interface InstallResult {
  started: boolean;
  note: string;
}

export function install(plan: InstallPlan, source: string, opts: { start: boolean; systemctl: Systemctl; systemd: boolean }): InstallResult {
  assertNxsFile(source);
  installBinary(source, plan.binPath);
  try {
    mkdirSync(path.dirname(plan.unitPath), { recursive: true });
    writeFileAtomic(plan.unitPath, plan.unit, 0o644);
  } catch (err) {
    throw new NxsError('NXS_ERR_INSTALL_WRITE', `cannot write ${plan.unitPath} (${errorMessage(err)}); run as root for a system unit`, { unit: plan.unitPath });
  }
  if (!opts.systemd) {
    return { started: false, note: `systemd is not running here; the unit is written, enable it on a systemd box with: ${plan.systemctl.join(' ')} enable --now ${UNIT_NAME}` };
  }
  opts.systemctl([...plan.systemctl, 'daemon-reload']);
  opts.systemctl([...plan.systemctl, 'enable', ...(opts.start ? ['--now'] : []), UNIT_NAME]);
  return { started: opts.start, note: opts.start ? `started; see: ${plan.systemctl.join(' ')} status nxs` : `enabled; start it with: ${plan.systemctl.join(' ')} start nxs` };
}

/** Stops and removes the unit and (unless kept) the binary copy. Data under NXS_HOME stays. */
export function uninstall(plan: InstallPlan, opts: { keepBinary: boolean; systemctl: Systemctl; systemd: boolean }): string[] {
  const removed: string[] = [];
  if (opts.systemd && existsSync(plan.unitPath)) opts.systemctl([...plan.systemctl, 'disable', '--now', UNIT_NAME]);
  for (const file of [plan.unitPath, ...(opts.keepBinary ? [] : [plan.binPath])]) {
    if (!existsSync(file)) continue;
    try {
      rmSync(file);
      removed.push(file);
    } catch (err) {
      throw new NxsError('NXS_ERR_INSTALL_WRITE', `cannot remove ${file} (${errorMessage(err)}); run as the user that installed it`, { file });
    }
  }
  if (opts.systemd && removed.includes(plan.unitPath)) opts.systemctl([...plan.systemctl, 'daemon-reload']);
  return removed;
}
