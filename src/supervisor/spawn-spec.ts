import path from 'node:path';
import { NxsError } from '../core/errors.ts';
import { DEFAULT_AGENT_CAPABILITIES, CAPABILITIES, isCapability, type Capability } from '../core/capabilities.ts';
import type { AgentRuntime, SpawnSpec } from './types.ts';
import type { AgentDefinition } from './config.ts';

export const AGENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** What gets stored for a new agent: validated, defaults applied. */
export interface ResolvedSpawn {
  name: string;
  capabilities: Capability[];
  runtime: AgentRuntime;
  /** As stored: `module` and `restart` for a worker, `runtime: 'host'` for a host agent (so a checkpoint carries it back). */
  settings: Record<string, unknown>;
}

/**
 * Pure: a spawn request plus the config definition of its name (if any) into
 * the agent to store. The runtime comes from the spec, else from the settings
 * (a restored checkpoint of a host agent carries `runtime: 'host'` there);
 * whether the caller may ask for `host` is the doors' business (HostOps).
 */
export function resolveSpawn(spec: SpawnSpec, def: AgentDefinition | undefined): ResolvedSpawn {
  if (typeof spec.name !== 'string' || !AGENT_NAME.test(spec.name)) {
    throw new NxsError('NXS_ERR_AGENT_INVALID', `name must be 1-64 letters, digits, ".", "_" or "-"; got ${JSON.stringify(spec.name) ?? 'nothing'}`);
  }
  const given = spec.settings ?? {};
  const runtime = runtimeOf(spec.runtime ?? given.runtime ?? 'worker');
  if (runtime === 'host') {
    // A config definition describes a worker (module, restart): it does not apply to a host agent of the same name.
    if (given.module !== undefined) throw new NxsError('NXS_ERR_AGENT_INVALID', `settings.module cannot be set for agent ${spec.name}: it runs inside the host, not in a worker that would load a module`);
    const { restart: _restart, ...rest } = given;
    return { name: spec.name, capabilities: validCaps(spec.capabilities ?? [...DEFAULT_AGENT_CAPABILITIES]), runtime, settings: { ...rest, runtime: 'host' } };
  }
  const { runtime: _runtime, ...settings } = { ...(def?.settings ?? {}), ...given };
  const module = typeof settings.module === 'string' ? settings.module : def?.module;
  if (module !== undefined && !path.isAbsolute(module)) throw new NxsError('NXS_ERR_AGENT_INVALID', `settings.module must be an absolute path to an ES module; got ${JSON.stringify(module)}`);
  return {
    name: spec.name,
    capabilities: validCaps(spec.capabilities ?? def?.capabilities ?? [...DEFAULT_AGENT_CAPABILITIES]),
    runtime,
    settings: { ...settings, ...(module ? { module } : {}), restart: settings.restart ?? def?.restart ?? 'on-failure' },
  };
}

export function runtimeOf(value: unknown): AgentRuntime {
  if (value === 'worker' || value === 'host') return value;
  throw new NxsError('NXS_ERR_AGENT_INVALID', `runtime must be "worker" or "host"; got ${JSON.stringify(value) ?? 'nothing'}`);
}

export function validCaps(value: unknown): Capability[] {
  if (!Array.isArray(value)) throw new NxsError('NXS_ERR_AGENT_INVALID', `capabilities must be a list of ${CAPABILITIES.join(', ')}`);
  for (const c of value) if (!isCapability(c)) throw new NxsError('NXS_ERR_AGENT_INVALID', `unknown capability ${JSON.stringify(c)}; expected one of ${CAPABILITIES.join(', ')}`);
  return [...new Set(value as Capability[])];
}
