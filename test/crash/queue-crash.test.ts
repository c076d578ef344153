import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { startNxs, type NxsChild } from './nxs-child.ts';

// The crash harness: N selftest jobs over G groups go into a real nxs child that
// is SIGKILLed at random moments K times and restarted. At the end every job must
// be done exactly once as far as the store knows, each group in enqueue order,
// and every extra execution must be an attempt a kill cut ('interrupted').
const N = Number(process.env.NXS_CRASH_N ?? 300);
const KILLS = Number(process.env.NXS_CRASH_KILLS ?? 3);
const GROUPS = Number(process.env.NXS_CRASH_GROUPS ?? 20);
const SEED = Number(process.env.NXS_CRASH_SEED ?? 42);
// Each group's jobs are enqueued one after another (that defines the group's order); groups go in parallel.
const SENDERS = 8;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

describe('crash harness', () => {
  it(`survives ${KILLS} SIGKILLs with ${N} jobs across ${GROUPS} groups`, { timeout: 300_000 }, async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'nxs-crash-'));
    const dataDir = path.join(home, 'data');
    // 32+ characters whatever the seed: the host refuses a weaker operator token (NXS_ERR_TOKEN_WEAK).
    const token = `crash-token-${SEED}-0123456789abcdef-ghijklmnopqrstuv`;
    const random = rng(SEED);
    let child: NxsChild = await startNxs({ home, dataDir, token });
    let generation = 0;
    let killsLeft = KILLS;
    let restarting: Promise<void> | null = null;

    // One kill and restart at a time, published as `restarting`: a kill timer still armed
    // for this generation stands down, or two children would share the data folder.
    const killAndRestart = (then?: () => void): Promise<void> => {
      killsLeft--;
      restarting = (async () => {
        child.proc.kill('SIGKILL');
        await child.exited;
        child = await startNxs({ home, dataDir, token });
        generation++;
        restarting = null;
        then?.();
      })();
      return restarting;
    };

    // Kills the child after a random delay, restarts it, and arms the next kill.
    const armKill = (): void => {
      if (killsLeft === 0) return;
      const gen = generation;
      setTimeout(() => {
        if (gen !== generation || restarting || killsLeft === 0) return;
        void killAndRestart(armKill);
      }, 30 + Math.floor(random() * 400));
    };

    // Enqueue one job; a request cut by a kill is sent again after the restart (the idempotency key makes that safe).
    const enqueue = async (i: number): Promise<void> => {
      for (;;) {
        try {
          const res = await fetch(`${child.url}/api/queue/jobs`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ queue: 'selftest', group: `selftest-${i % GROUPS}`, payload: { i }, idempotencyKey: `crash-${i}` }),
          });
          if (res.status === 201) return;
          throw new Error(`enqueue ${i}: HTTP ${res.status} ${await res.text()}`);
        } catch (err) {
          if (!restarting) {
            // The connection broke before our timer noticed: the child died under us; wait for its exit and restart.
            if (child.proc.exitCode === null && child.proc.signalCode === null) throw err;
          }
          await (restarting ?? Promise.resolve());
        }
      }
    };

    armKill();
    const order = [...Array(N).keys()];
    await Promise.all(
      [...Array(SENDERS).keys()].map(async (s) => {
        for (const i of order.filter((i) => (i % GROUPS) % SENDERS === s)) await enqueue(i);
      }),
    );
    // Kills not yet used happen now, while the backlog runs.
    while (killsLeft > 0 || restarting) await (restarting ?? killAndRestart());
    generation++;

    // Barrier: one more job per group; group order means they finish after everything before them.
    const barrier = await fetch(`${child.url}/api/queue/selftest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ n: GROUPS, groups: GROUPS, timeout_ms: 120_000 }),
    });
    expect(barrier.status).toBe(200);
    child.proc.kill('SIGTERM');
    await child.exited;

    const db = new Database(path.join(dataDir, 'nxs.db'), { readonly: true });
    try {
      const jobs = db.prepare(`SELECT id, grp, state, idem_key, payload FROM queue_jobs WHERE queue = 'selftest' AND idem_key LIKE 'crash-%' ORDER BY id`).all() as { id: number; grp: string; state: string; idem_key: string; payload: string }[];
      const runs = db.prepare(`SELECT r.id, r.job_id, r.grp, r.outcome FROM queue_runs r JOIN queue_jobs j ON j.id = r.job_id WHERE j.idem_key LIKE 'crash-%' ORDER BY r.id`).all() as { id: number; job_id: number; grp: string; outcome: string }[];
      // None lost, none doubled.
      expect(jobs).toHaveLength(N);
      expect(new Set(jobs.map((j) => j.idem_key)).size).toBe(N);
      expect(jobs.filter((j) => j.state !== 'done')).toEqual([]);
      const byJob = new Map<number, string[]>();
      for (const r of runs) byJob.set(r.job_id, [...(byJob.get(r.job_id) ?? []), r.outcome]);
      let interrupted = 0;
      for (const j of jobs) {
        const outcomes = byJob.get(j.id) ?? [];
        // Exactly one completed attempt; every other attempt is one a kill cut.
        expect(outcomes.filter((o) => o === 'done'), `job ${j.id}`).toHaveLength(1);
        expect(outcomes.filter((o) => o !== 'done' && o !== 'interrupted'), `job ${j.id}`).toEqual([]);
        interrupted += outcomes.length - 1;
      }
      // Group order: completions of each group come in enqueue (id) order, and in send order (i).
      const perGroup = new Map<string, number[]>();
      const iOf = new Map(jobs.map((j) => [j.id, (JSON.parse(j.payload) as { i: number }).i]));
      for (const r of runs) if (r.outcome === 'done') perGroup.set(r.grp, [...(perGroup.get(r.grp) ?? []), r.job_id]);
      for (const [g, ids] of perGroup) {
        expect(ids, g).toEqual([...ids].sort((a, b) => a - b));
        const is = ids.map((id) => iOf.get(id)!);
        expect(is, g).toEqual([...is].sort((a, b) => a - b));
      }
      // A cut attempt is a claim a kill interrupted: the job may have run (a duplicate) or, as a
      // lane follower, not yet started. So this counts duplicate executions at most.
      const report = { jobs: N, groups: GROUPS, kills: KILLS, lost: 0, attempts_cut_by_kills: interrupted, jobs_rerun_after_a_kill: [...byJob.values()].filter((o) => o.length > 1).length };
      console.log(`crash harness: ${JSON.stringify(report)}`);
    } finally {
      db.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
