/**
 * V8 flags the single executable always runs with (its SEA config's execArgv;
 * NODE_OPTIONS may still add more). bench:gateway gives the nxs it measures the
 * same flags, so the door is measured as it ships.
 *
 * --max-semi-space-size=1: the young generation stays at 1 MiB per semi-space
 * instead of growing to 8-16 MiB during start-up and staying there. Measured on
 * dist/nxs: idle RSS -2.5 MB (with 4 MiB: +1.9 MB, over issue 2's 70 MB). On
 * bench:gateway nxs then scavenges every ~23 requests (0.13-0.21 ms each): the
 * same added p50, about 0.1 ms more at p99 than V8's default young generation
 * (docs/benchmarks/gateway.md, GC flags).
 */
export const SEA_EXEC_ARGV: readonly string[] = ['--max-semi-space-size=1'];
