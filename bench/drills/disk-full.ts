// Drill "disk full": the data folder sits on a small filesystem (a 256 MiB tmpfs) that a filler
// file brings first below the safety floors, then to zero. Records what nxs refuses, what it cleans
// up, that the store stays intact, and that it takes work again once space returns.
// Seed 000 §8.1, "Disk full": cleanup logs, alert; recovery "manual".
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, rmSync, statfsSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startFakeProvider } from '../../test/helpers/fake-provider.ts';
import { baseConfig, remoteProvider, startHost, tempDir } from '../lib/drill-host.ts';
import { getJson, Ledger, lostNotes, postMessage, PostRefused } from '../lib/message-client.ts';
import { orderBroken, orderKept, sleepMs, stampArrivals, Traffic, type DrillOptions } from '../lib/drill-traffic.ts';
import { SEED_TARGETS, type DrillResult } from './report.ts';

const MiB = 1048576;

export async function diskFullDrill(o: DrillOptions): Promise<DrillResult> {
  const provider = await startFakeProvider({ name: 'primary' });
  stampArrivals(provider);
  const dir = tempDir('nxs-drill-disk-');
  const dataDir = path.join(dir, 'data');
  mkdirSync(dataDir);
  let mounted = false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256m,mode=0700', 'tmpfs', dataDir], { stdio: 'ignore' });
    mounted = true;
  } catch {
    // Not root: the drill still runs on the real disk, with survival.min_free_bytes raised above what is free.
  }
  const free0 = freeBytes(dataDir);
  // Rotated logs a long-running box accumulates: what disk-low pruning removes.
  writeFileSync(path.join(dataDir, 'chat-host.log.1'), 'x'.repeat(64 * 1024));
  writeFileSync(path.join(dataDir, 'chat-host.log.2.gz'), 'x'.repeat(64 * 1024));
  const extra = mounted ? {} : { assistant: { survival: { min_free_bytes: free0 + 64 * MiB } } };
  const host = await startHost({ home: o.home, dataDir, config: baseConfig([remoteProvider('primary', provider.url)], extra) });
  const ledger = new Ledger();
  const traffic = new Traffic(ledger, { url: () => host.url, conversations: ['disk-a'], gapMs: 300, label: 'disk' }).start();
  const filler = path.join(dataDir, 'filler.bin');
  const findings: string[] = [];
  try {
    await sleepMs(o.short ? 1000 : 2000);
    const tier = (await getJson(host.url, '/api/status')).tier as string;
    o.say(`disk-full: filling ${mounted ? 'the tmpfs' : '(no tmpfs: min_free_bytes raised instead)'} to 8 MiB free (tier ${tier})`);
    const faultAt = performance.now();
    if (mounted) fill(filler, freeBytes(dataDir) - 8 * MiB);
    const lowLogged = host.waitLog((l) => l.msg === 'disk low', 90_000).then(() => performance.now(), () => null);
    const big = await refusal(host.url, 'disk-big', `disk big ${'y'.repeat(4096)}`);
    const small = await refusal(host.url, 'disk-small', 'disk small');
    const lowAt = await lowLogged;
    await sleepMs(200);
    const checkpoint = await getJson(host.url, '/api/checkpoints/host', { method: 'POST' }).then(() => 'written', (e: Error) => e.message);
    if (checkpoint === 'written') findings.push('a whole-host checkpoint is still written while the disk is below the floor: nothing calls parts.detect.assertDiskRoom (docs/detect.md says checkpoints are refused with NXS_ERR_DISK_LOW); src/checkpoints/manager.ts create should call it');
    const pruned = !existsSync(path.join(dataDir, 'chat-host.log.1')) && !existsSync(path.join(dataDir, 'chat-host.log.2.gz'));
    let atZero = 'not tried (no tmpfs)';
    if (mounted) {
      o.say('disk-full: now to zero bytes free');
      fill(path.join(dataDir, 'filler-2.bin'), freeBytes(dataDir) + MiB);
      atZero = await refusal(host.url, 'disk-zero', 'disk zero');
    }
    const alive = (await fetch(`${host.url}/healthz`)).status === 200;
    o.say('disk-full: space returns');
    rmSync(filler, { force: true });
    rmSync(path.join(dataDir, 'filler-2.bin'), { force: true });
    const liftedAt = performance.now();
    if (!mounted) findings.push('no tmpfs (not root): the refusal came from a raised min_free_bytes, not a full filesystem');
    const okLogged = host.waitLog((l) => l.msg === 'disk ok again' && performance.now() > liftedAt, 90_000).then(() => performance.now(), () => null);
    const bigAfter = await refusal(host.url, 'disk-big', `disk big after ${'y'.repeat(4096)}`);
    const bigAcceptedAt = performance.now();
    const okAt = mounted ? await okLogged : null;
    await traffic.stop();
    await host.stop();
    const db = new Database(path.join(dataDir, 'nxs.db'), { readonly: true });
    const integrity = (db.pragma('integrity_check') as { integrity_check: string }[])[0]?.integrity_check;
    db.close();
    return {
      name: 'disk-full',
      fault: mounted ? 'the data folder\'s 256 MiB tmpfs filled to 8 MiB free, then to 0, then freed' : 'assistant.survival.min_free_bytes raised above the free space (no tmpfs: not root)',
      seed: SEED_TARGETS.diskFull,
      detectionMs: lowAt === null ? null : lowAt - faultAt,
      recoveryMs: bigAcceptedAt - liftedAt,
      recoveryMeans: `space back -> a large message accepted again; the monitor said "disk ok again" after ${okAt === null ? 'n/a' : `${Math.round(okAt - liftedAt)} ms`}`,
      acceptedDuringFault: ledger.acceptedBetween(faultAt, liftedAt) + (small === 'accepted' ? 1 : 0),
      accepted: ledger.accepted().length,
      lost: ledger.lost().length,
      inOrder: orderKept(ledger, [provider], 'disk'),
      checks: {
        'a large message is refused with NXS_ERR_DISK_FULL': big === 'NXS_ERR_DISK_FULL',
        'a small message is still accepted': small === 'accepted',
        'the host stays up at zero bytes free': alive,
        'rotated logs pruned on disk low': !mounted || pruned,
        'the store passes integrity_check': integrity === 'ok',
        'a large message is accepted once space returns': bigAfter === 'accepted',
      },
      notes: [
        ...lostNotes(ledger),
        ...[orderBroken(ledger, [provider], 'disk')].filter((x) => x !== null).map((x) => `order: ${x}`),
        `tier ${tier} (free disk at start ${Math.round(free0 / MiB)} MiB); "disk low" comes from the resource monitor, which looks every monitorIntervalMs (60 s at minimal): detection is bounded by that interval`,
        `large message: ${big}; small message: ${small}; at zero bytes free a small message: ${atZero}; host checkpoint while low: ${checkpoint}`,
      ],
      findings,
    };
  } finally {
    traffic.pause();
    await host.stop();
    await provider.close();
    if (mounted) execFileSync('umount', ['-l', dataDir], { stdio: 'ignore' });
  }
}

function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

/** Writes `bytes` of zeros (stopping quietly at ENOSPC: the point is to fill the filesystem). */
function fill(file: string, bytes: number): void {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(MiB);
  try {
    for (let left = bytes; left > 0; left -= chunk.length) writeSync(fd, chunk, 0, Math.min(chunk.length, left));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
}

/** 'accepted', or the code (else status) the host refused the message with. */
async function refusal(url: string, conv: string, text: string): Promise<string> {
  try {
    await postMessage(url, conv, text);
    return 'accepted';
  } catch (err) {
    return err instanceof PostRefused ? (err.code ?? String(err.status)) : (err as Error).message;
  }
}
