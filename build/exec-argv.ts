/**
 * V8 flags the single executable always runs with (its SEA config's execArgv;
 * NODE_OPTIONS may still add more). bench:gateway gives the nxs it measures the
 * same flags, so the door is measured as it ships.
 *
 * --max-semi-space-size=1: the young generation stays at 1 MiB per semi-space
 * instead of growing to 8-16 MiB during start-up and staying there. Measured on
 * dist/nxs: idle RSS -2.5 MB; on bench:gateway, the same added p50 and p99
 * within the noise (0.70 / 2.42 ms against 0.65 / 2.69 ms, load 1.4-1.9), as
 * the door keeps little alive across a scavenge.
 */
export const SEA_EXEC_ARGV: readonly string[] = ['--max-semi-space-size=1'];
