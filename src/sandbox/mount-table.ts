import { realpathSync } from 'node:fs';
import path from 'node:path';
import { NxsError, errorMessage } from '../core/errors.ts';
import type { ExtraMount } from './config.ts';

export type Trust = 'main' | 'other';

export const WORKSPACE_TARGET = '/workspace';
/** Targets nxs itself places inside the sandbox; no configured mount may land on or under them. */
export const RESERVED_TARGETS = ['/proc', '/dev', '/tmp', '/run/nxs', WORKSPACE_TARGET];

export interface MountEntry {
  /** The host folder, symlinks resolved. */
  source: string;
  /** Where it appears inside the sandbox. */
  target: string;
  writable: boolean;
  kind: 'workspace' | 'extra';
}

export interface MountTable {
  trust: Trust;
  mounts: MountEntry[];
  /** Real paths no mount may show: the data folder (store, tokens) and NXS_HOME (config, keys). */
  forbidden: string[];
}

export interface MountTableInput {
  workspace: string;
  extra: readonly ExtraMount[];
  systemPaths: readonly string[];
  dataDir: string;
  home: string;
  trust: Trust;
}

export function isInside(child: string, parent: string): boolean {
  if (parent === '/') return child.startsWith('/');
  return child === parent || child.startsWith(parent + '/');
}

/**
 * Builds the mount view of one trust level, refusing (before anything runs) any
 * mount that would show a secret folder or whose target is ambiguous: equal to,
 * nested in or containing another target, a reserved target or a system path.
 * Non-main conversations see every mount read-only.
 */
export function buildMountTable(input: MountTableInput): MountTable {
  const forbidden = [realOrSelf(input.dataDir), realOrSelf(input.home)];
  const [dataReal, homeReal] = forbidden as [string, string];
  const mounts: MountEntry[] = [];

  const ws = realExisting(input.workspace, 'sandbox.workspace');
  if (isInside(ws, dataReal) || isInside(dataReal, ws) || isInside(homeReal, ws)) {
    throw denied(`the workspace ${input.workspace} would expose the data folder or NXS_HOME; choose a folder outside both (or a subfolder of NXS_HOME other than the data folder)`, input.workspace);
  }
  mounts.push({ source: ws, target: WORKSPACE_TARGET, writable: input.trust === 'main', kind: 'workspace' });

  for (const m of input.extra) {
    const target = path.normalize(m.path);
    const source = realExisting(m.path, 'sandbox.mounts');
    for (const f of forbidden) {
      if (isInside(source, f) || isInside(f, source)) throw denied(`mount ${m.path} (really ${source}) would expose ${f === dataReal ? 'the data folder' : 'NXS_HOME'}; refused`, m.path);
    }
    if (isInside(source, ws) || isInside(ws, source)) throw denied(`mount ${m.path} overlaps the workspace; refused`, m.path);
    const clash = [...RESERVED_TARGETS, ...input.systemPaths, ...mounts.map((x) => x.target)].find((t) => isInside(target, t) || isInside(t, target));
    if (clash !== undefined) throw denied(`mount target ${target} is ambiguous: it overlaps ${clash} inside the sandbox`, m.path);
    mounts.push({ source, target, writable: m.writable && input.trust === 'main', kind: 'extra' });
  }
  return { trust: input.trust, mounts, forbidden };
}

function realExisting(p: string, key: string): string {
  try {
    return realpathSync(p);
  } catch (err) {
    throw new NxsError('NXS_ERR_PATH_DENIED', `${key}: ${p} cannot be resolved (${errorMessage(err)}); it must be an existing folder`, { path: p });
  }
}

function realOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    // Not created yet: the lexical path is what will exist.
    return path.resolve(p);
  }
}

function denied(message: string, p: string): NxsError {
  return new NxsError('NXS_ERR_PATH_DENIED', message, { path: p });
}
