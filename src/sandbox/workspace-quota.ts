import { NxsError } from '../core/errors.ts';
import { giveBack, measureWorkspace, planGiveBack, type WorkspaceUsage } from './workspace-usage.ts';

/** The bound in force: the tier's `sandbox.workspaceMb`, read at each use (the monitor may step the tier down). */
export type QuotaBound = () => { bytes: number; tier: string };

export interface RoomLeft {
  usage: WorkspaceUsage;
  /** Bytes the workspace may still grow by; 0 when at or over the bound, or when a folder could not be read. */
  left: number;
}

const MiB = 1024 * 1024;
const mib = (n: number): string => (n / MiB).toFixed(1);

/**
 * The workspace's disk bound. No unprivileged mechanism makes the kernel bound a
 * folder's total (quotas need root and a filesystem mounted for them; a tmpfs
 * would not outlive the run), so it is held in two layers:
 * - before each command the workspace is measured and the room left becomes the
 *   command's RLIMIT_FSIZE: the kernel stops any one file at that size
 *   (SIGXFSZ, or EFBIG to a process that handles the signal);
 * - after it, the workspace is measured again: a run that took it to the bound
 *   or past it (one file stopped by the kernel, or many smaller ones) has what
 *   it wrote cut back, and the call fails with NXS_ERR_WORKSPACE_FULL.
 * While a command runs, several files may together pass the bound for as long
 * as the run lasts (its wall limit); the space is given back when it ends.
 */
export class WorkspaceQuota {
  private readonly root: string;
  private readonly bound: QuotaBound;

  constructor(root: string, bound: QuotaBound) {
    this.root = root;
    this.bound = bound;
  }

  async room(): Promise<RoomLeft> {
    const usage = await measureWorkspace(this.root);
    const left = usage.unreadable.length > 0 ? 0 : Math.max(0, this.bound().bytes - usage.bytes);
    return { usage, left };
  }

  /**
   * After a command: within the bound, or no bigger than before (a full
   * workspace being cleaned up), nothing happens. Otherwise what the run wrote
   * is cut back and this throws, saying how much was given back.
   */
  async settle(before: WorkspaceUsage): Promise<void> {
    const { bytes: bound, tier } = this.bound();
    const after = await measureWorkspace(this.root);
    if (after.bytes < bound || after.bytes <= before.bytes) return;
    const cuts = planGiveBack(before.files, after.files);
    const freed = giveBack(this.root, cuts);
    throw new NxsError(
      'NXS_ERR_WORKSPACE_FULL',
      `the command wrote past the workspace's bound of ${mib(bound)} MiB (tier ${tier}): /workspace held ${mib(after.bytes)} MiB when it ended. ` +
        `What it wrote was cut back (${cuts.length} file${cuts.length === 1 ? '' : 's'}, ${mib(freed)} MiB given back); write less, or delete files in /workspace first`,
      { bound_bytes: bound, used_bytes: after.bytes, freed_bytes: freed, files_cut: cuts.length, tier },
    );
  }

  /** Refuses a write that would grow the workspace past its bound (`inside` names the file for the message). */
  check(room: RoomLeft, growth: number, inside: string): void {
    if (growth <= room.left) return;
    const { bytes: bound, tier } = this.bound();
    const why = room.usage.unreadable.length > 0
      ? `nxs cannot read ${room.usage.unreadable.map((d) => `/workspace/${d}`).join(', ')}, so its size is unknown; make it readable or delete it`
      : `it holds ${mib(room.usage.bytes)} MiB and ${inside} would add ${mib(growth)} MiB; delete files in /workspace first`;
    throw new NxsError('NXS_ERR_WORKSPACE_FULL', `writing ${inside} would pass the workspace's bound of ${mib(bound)} MiB (tier ${tier}): ${why}`, {
      bound_bytes: bound,
      used_bytes: room.usage.bytes,
      growth_bytes: growth,
      tier,
    });
  }
}
