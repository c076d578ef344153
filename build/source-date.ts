import { execFileSync } from 'node:child_process';

/**
 * The date a build names in its manifest: SOURCE_DATE_EPOCH (seconds, the reproducible-builds
 * convention) when set, else the time of the commit the tree is at, else none. Never the clock's
 * time: that made two builds of one commit differ (issue 16).
 */
export function sourceDate(root: string, env: Readonly<Record<string, string | undefined>>): { source_date?: string } {
  const fromEnv = env.SOURCE_DATE_EPOCH;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!/^\d{1,12}$/.test(fromEnv)) throw new Error(`build: SOURCE_DATE_EPOCH must be whole seconds since 1970; got ${JSON.stringify(fromEnv)}`);
    return { source_date: new Date(Number(fromEnv) * 1000).toISOString() };
  }
  try {
    const seconds = execFileSync('git', ['-C', root, 'log', '-1', '--format=%ct'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return /^\d+$/.test(seconds) ? { source_date: new Date(Number(seconds) * 1000).toISOString() } : {};
  } catch {
    // Not a git checkout (a source tarball): the manifest names no date rather than a changing one.
    return {};
  }
}
