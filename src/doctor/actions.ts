import { readdirSync, statSync, rmSync, readFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { NxsError, errorMessage, systemErrorCode } from '../core/errors.ts';
import type { Context } from '../core/context.ts';
import type { Supervisor } from '../supervisor/types.ts';
import type { CheckpointManager } from '../checkpoints/manager.ts';
import { applyReload, describeReload } from '../config/reload.ts';
import { PROFILES } from '../detect/profile.ts';
import { TIERS, type TierName } from '../config/schema.ts';
import { writeFileAtomic } from '../runtime/atomic-write.ts';
import type { DoctorActions } from './types.ts';

// Temp leftovers nxs itself makes: atomic-write temps, checkpoint staging folders.
const OUR_TEMP = /^\.(ckpt-|restore-)|^\..*\.tmp$/;
const STALE_MS = 10 * 60_000;

/** The parts the real fixes act on, when the host runs them (both start before the doctor). */
export interface ActionParts {
  supervisor?: Supervisor;
  checkpoints?: CheckpointManager;
}

/** The real fixes, wired to the parts on the host. Tests inject their own. */
export function hostActions(ctx: Context, parts: ActionParts): DoctorActions {
  const supervisor = (): Supervisor => {
    const s = parts.supervisor;
    if (!s) throw new NxsError('NXS_ERR_CHECKPOINT_UNAVAILABLE', 'the supervisor is not running on this host');
    return s;
  };
  return {
    restart_agent: ({ agentId }) => {
      supervisor().restart(String(agentId), 'doctor');
      return `restarted agent ${String(agentId)}`;
    },
    switch_provider: ({ provider }) => {
      // The fallback client listens for this and routes around the provider until it answers again.
      ctx.events.emit('provider.demote', { provider: String(provider), reason: 'doctor' });
      return `asked the fallback client to route around ${String(provider)}`;
    },
    clear_temp: () => {
      const freed = clearTemp(ctx.config.dataDir, ctx.clock.now());
      const ckptDir = ctx.config.checkpoints.dir ?? path.join(ctx.config.dataDir, 'checkpoints');
      const more = clearTemp(ckptDir, ctx.clock.now());
      return `removed ${freed.count + more.count} temp files (${freed.bytes + more.bytes} bytes)`;
    },
    reload_config: () => {
      // A config that no longer validates throws here, and nothing is applied (the diagnosis says failed, with why).
      const next = ctx.rereadConfig();
      const report = applyReload(ctx.config, next, ctx.log);
      ctx.events.emit('config.reloaded', { files: next.files, tier: next.config.tier });
      return describeReload(report);
    },
    change_tier: ({ tier }) => {
      if (!TIERS.includes(tier as TierName)) throw new NxsError('NXS_ERR_BAD_REQUEST', `unknown tier ${String(tier)}`);
      const from = ctx.profile.current.tier;
      ctx.profile.set(PROFILES[tier as TierName], 'doctor');
      ctx.events.emit('tier.changed', { from, to: String(tier), reason: 'doctor' });
      return `tier changed from ${from} to ${String(tier)}`;
    },
    restore_checkpoint: async ({ checkpointId }) => {
      const mgr = parts.checkpoints;
      if (!mgr) throw new NxsError('NXS_ERR_CHECKPOINT_UNAVAILABLE', 'checkpoints are not running on this host');
      const r = await mgr.restoreAgent(String(checkpointId), 'doctor');
      return `restored checkpoint ${String(checkpointId)} as agent ${r.agent_id}`;
    },
    change_identity: () => reinstallIdentity(ctx.paths.identityDir, path.join(ctx.config.dataDir, 'identity')),
  };
}

/** Removes our own stale temp files (older than 10 minutes, so a write in progress is left alone). */
export function clearTemp(dir: string, now: number): { count: number; bytes: number } {
  let count = 0;
  let bytes = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if (systemErrorCode(err) === 'ENOENT') return { count, bytes };
    throw err;
  }
  for (const name of names) {
    if (!OUR_TEMP.test(name)) continue;
    const p = path.join(dir, name);
    const st = statSync(p);
    if (now - st.mtimeMs < STALE_MS) continue;
    bytes += st.isFile() ? st.size : 0;
    rmSync(p, { recursive: true, force: true });
    count++;
  }
  return { count, bytes };
}

/** Copies the shipped identity files over the data folder's, each atomically. */
export function reinstallIdentity(shipped: string, target: string): string {
  let names: string[];
  try {
    names = readdirSync(shipped).filter((n) => statSync(path.join(shipped, n)).isFile());
  } catch (err) {
    throw new NxsError('NXS_ERR_DATA_DIR', `cannot read the shipped identity files in ${shipped}: ${errorMessage(err)}`);
  }
  if (names.length === 0) throw new NxsError('NXS_ERR_DATA_DIR', `no shipped identity files in ${shipped}`);
  mkdirSync(target, { recursive: true, mode: 0o700 });
  for (const n of names) writeFileAtomic(path.join(target, n), readFileSync(path.join(shipped, n)), 0o600);
  return `reinstalled ${names.join(', ')} into ${target}`;
}
