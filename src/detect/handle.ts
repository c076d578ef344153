import { NxsError } from '../core/errors.ts';
import type { TierName } from '../config/schema.ts';
import type { Facts, NetworkProbeFacts } from './facts.ts';
import type { TierChoice } from './select-tier.ts';
import type { ResourceMonitor } from './monitor.ts';

/** What the detect step gives the parts that start after it (`detect`). */
export interface DetectHandle {
  /** The latest facts; the network ones appear when their probes finish. */
  facts(): Facts;
  /** What detection chose, with reasons. */
  choice: TierChoice;
  /** The operator's forced tier, if any, and the warnings when the box cannot hold it. */
  forced: TierName | null;
  warnings: string[];
  /** Resolves when the background network probes have answered (never rejects). */
  networkReady: Promise<NetworkProbeFacts>;
  /** Free disk is below the profile's floor: refuse large work. */
  diskLow(): boolean;
  /** Throws NXS_ERR_DISK_LOW when disk is low; call before large work (checkpoints, downloads, big jobs). */
  assertDiskRoom(what: string): void;
  monitor: ResourceMonitor;
}

export function diskRoomGuard(monitor: ResourceMonitor, floorBytes: () => number): (what: string) => void {
  return (what) => {
    if (monitor.diskLow()) {
      throw new NxsError('NXS_ERR_DISK_LOW', `refusing ${what}: free disk is below the floor of ${Math.round(floorBytes() / 1048576)} MiB; free some space in the data folder's filesystem`, { floorBytes: floorBytes() });
    }
  };
}
