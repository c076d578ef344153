// Drill "host kill": SIGKILL of the host under load, restarted the way `nxs install`'s unit restarts
// it (Restart=on-failure, RestartSec=2s), with answers in flight. Every accepted message must be
// answered after the restart, in order; files dropped into the inbox while the host is dead too.
// Seed 000 §8.1, "Container crash": auto-restart and restore, 10-30 s.
import { existsSync, mkdirSync, watch, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startFakeProvider } from '../../test/helpers/fake-provider.ts';
import { baseConfig, remoteProvider, tempDir } from '../lib/drill-host.ts';
import { Ledger, lostNotes } from '../lib/message-client.ts';
import { RestartWrapper, UNIT_RESTART_SEC_MS } from '../lib/restart-wrapper.ts';
import { orderBroken, orderKept, sleepMs, stampArrivals, Traffic, type DrillOptions } from '../lib/drill-traffic.ts';
import { SEED_TARGETS, type DrillResult } from './report.ts';

export async function hostKillDrill(o: DrillOptions): Promise<DrillResult> {
  // Each answer streams for ~300 ms, so a kill always lands with answers under way.
  const provider = await startFakeProvider({ name: 'primary', fallback: { kind: 'trickle', pieces: ['one ', 'two ', 'three ', 'four ', 'five'], intervalMs: 60 } });
  stampArrivals(provider);
  const dir = tempDir('nxs-drill-kill-');
  const dataDir = path.join(dir, 'data');
  const wrapper = new RestartWrapper({ home: o.home, dataDir, config: baseConfig([remoteProvider('primary', provider.url)]) });
  await wrapper.start();
  const ledger = new Ledger();
  const traffic = new Traffic(ledger, { url: wrapper.url, conversations: ['kill-a', 'kill-b'], gapMs: 150, label: 'kill', hostBack: () => wrapper.ready }).start();
  try {
    await sleepMs(o.short ? 1500 : 4000);
    const pid = wrapper.current.pid;
    const inFlight = ledger.accepted().filter((s) => s.doneAt === null).map((s) => s.n);
    o.say(`host-kill: SIGKILL ${pid} with ${inFlight.length} message(s) in flight`);
    const killedAt = performance.now();
    process.kill(pid, 'SIGKILL');
    await wrapper.current.exited;
    const detectedAt = wrapper.exits.at(-1)!.at;
    // While the host is dead: two files land in the inbox (accepted by the disk, answered after the restart).
    const inbox = path.join(dataDir, 'inbox');
    const outbox = path.join(dataDir, 'outbox');
    mkdirSync(inbox, { recursive: true });
    mkdirSync(outbox, { recursive: true });
    const files = ['while-dead-1.txt', 'while-dead-2.txt'];
    for (const f of files) writeFileSync(path.join(inbox, f), `kill file ${f}`);
    await wrapper.ready;
    const readyAt = wrapper.starts.at(-1)!;
    const filesAnswered = waitFiles(outbox, files.map((f) => `${f.replace(/\.txt$/, '')}.reply.md`), 60_000);
    await sleepMs(o.short ? 1000 : 3000);
    await traffic.stop();
    const resumedAt = Math.max(...ledger.sent.filter((s) => inFlight.includes(s.n)).map((s) => s.doneAt ?? Infinity));
    const repliesOk = await filesAnswered;
    const refusedWhileDown = ledger.sent.filter((s) => s.acceptedAt === null && s.postedAt >= killedAt && s.postedAt <= readyAt).length;
    return {
      name: 'host-kill',
      fault: `SIGKILL of the host under load (a message every 150 ms, answers streaming); restarted by a wrapper doing what the systemd unit does (Restart=on-failure, RestartSec=${UNIT_RESTART_SEC_MS / 1000}s; systemd is not PID 1 here)`,
      seed: SEED_TARGETS.hostCrash,
      detectionMs: detectedAt - killedAt,
      recoveryMs: readyAt - killedAt,
      recoveryMeans: `kill -> restarted host ready (of which RestartSec ${UNIT_RESTART_SEC_MS} ms); in-flight answers resumed ${Math.round(resumedAt - killedAt)} ms after the kill`,
      acceptedDuringFault: files.length,
      accepted: ledger.accepted().length + files.length,
      lost: ledger.lost().length + (repliesOk ? 0 : files.length),
      inOrder: orderKept(ledger, [provider], 'kill'),
      checks: {
        'answers were in flight at the kill': inFlight.length > 0,
        'every in-flight message answered after the restart': Number.isFinite(resumedAt),
        'files dropped while dead answered after the restart': repliesOk,
        'one restart': wrapper.starts.length === 2,
      },
      notes: [
        ...lostNotes(ledger),
        ...[orderBroken(ledger, [provider], 'kill')].filter((x) => x !== null).map((x) => `order: ${x}`),
        `${inFlight.length} message(s) in flight at the kill; ${refusedWhileDown} HTTP post(s) refused while the host was down (connection refused: the client knows, nothing was accepted)`,
        `restart without RestartSec: ${Math.round(readyAt - killedAt - UNIT_RESTART_SEC_MS)} ms (exec to ready, recovery of the queue included)`,
      ],
      findings: [],
    };
  } finally {
    traffic.pause();
    await wrapper.stop();
    await provider.close();
  }
}

/** Resolves true once every named file exists in `dir` (fs.watch, no polling), false after the deadline. */
function waitFiles(dir: string, names: string[], deadlineMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      watcher.close();
      resolve(ok);
    };
    const check = (): void => {
      if (names.every((n) => existsSync(path.join(dir, n)))) done(true);
    };
    const watcher = watch(dir, check);
    const timer = setTimeout(() => done(false), deadlineMs);
    check();
  });
}
