import path from 'node:path';
import { NxsError } from '../core/errors.ts';
import { DEFAULT_AGENT_CAPABILITIES, CAPABILITIES, isCapability, type Capability } from '../core/capabilities.ts';
import type { AgentRuntime, SpawnSpec } from './types.ts';
import type { AgentDefinition } from './config.ts';
import { isInside } from './module-trust.ts';

export const AGENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** The agents the payload ships; their code is in agent-worker.ts (today only echo: a task's answer is its input). */
export const SHIPPED_AGENTS: readonly string[] = ['echo'];

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
export function resolveSpawn(spec: SpawnSpec, def: AgentDefinition | undefined, agentsDir: string | undefined): ResolvedSpawn {
  agentName(spec.name);
  const given = spec.settings ?? {};
  const runtime = runtimeOf(spec.runtime ?? given.runtime ?? 'worker');
  if (runtime === 'host') {
    // A config definition describes a worker (module, restart): it does not apply to a host agent of the same name.
    if (given.module !== undefined) throw new NxsError('NXS_ERR_AGENT_INVALID', `settings.module cannot be set for agent ${spec.name}: it runs inside the host, not in a worker that would load a module`);
    const { restart: _restart, ...rest } = given;
    return { name: spec.name, capabilities: validCaps(spec.capabilities ?? [...DEFAULT_AGENT_CAPABILITIES]), runtime, settings: { ...rest, runtime: 'host' } };
  }
  const { runtime: _runtime, ...settings } = { ...(def?.settings ?? {}), ...given };
  // A module the request names replaces the definition's; either way it must lie in the agents folder.
  const module = Object.hasOwn(given, 'module') ? moduleInFolder(given.module, agentsDir) : def?.module;
  return {
    name: spec.name,
    capabilities: validCaps(spec.capabilities ?? def?.capabilities ?? [...DEFAULT_AGENT_CAPABILITIES]),
    runtime,
    settings: { ...settings, ...(module ? { module } : {}), restart: settings.restart ?? def?.restart ?? 'on-failure' },
  };
}

export function agentName(value: unknown): string {
  if (typeof value !== 'string' || !AGENT_NAME.test(value)) {
    throw new NxsError('NXS_ERR_AGENT_INVALID', `name must be 1-64 letters, digits, ".", "_" or "-"; got ${JSON.stringify(value) ?? 'nothing'}`);
  }
  return value;
}

/**
 * The doors (the API, an agent's own request) spawn only code someone chose:
 * an agent nxs ships, one defined in the config, or a module named in the
 * request (which needs ADMIN; HostOps checks). An unknown name used to become
 * the echo agent silently, so a typo looked like a working agent.
 */
export function requireKnownAgent(name: unknown, def: AgentDefinition | undefined, namesModule: boolean): void {
  const n = agentName(name);
  if (def || namesModule || SHIPPED_AGENTS.includes(n)) return;
  throw new NxsError(
    'NXS_ERR_AGENT_UNKNOWN',
    `no agent is named ${JSON.stringify(n)}: nxs ships ${SHIPPED_AGENTS.map((a) => JSON.stringify(a)).join(', ')} and the config defines none of that name; spawn a shipped agent, define it under agents: in the config, or (with ADMIN) name its module in settings.module`,
    { name: n },
  );
}

/**
 * Pure: where a module named in a request or the config lives, as an absolute
 * path inside the operator's agents folder (a relative name is taken from it).
 * Whether the file there is safe to load is checked on disk (module-trust.ts).
 */
export function moduleInFolder(module: unknown, agentsDir: string | undefined): string {
  if (typeof module !== 'string' || module === '') throw new NxsError('NXS_ERR_AGENT_INVALID', `settings.module must be the path of an ES module in the agents folder; got ${JSON.stringify(module) ?? 'nothing'}`, { field: 'settings.module' });
  if (!agentsDir) throw new NxsError('NXS_ERR_AGENT_MODULE_REFUSED', `settings.module ${JSON.stringify(module)} cannot be loaded: agent code comes only from an agents folder the operator configures (supervisor.agents_dir), and none is configured`, { module });
  const file = path.resolve(agentsDir, module);
  if (!isInside(agentsDir, file)) throw new NxsError('NXS_ERR_AGENT_MODULE_REFUSED', `settings.module ${JSON.stringify(module)} is outside the agents folder ${agentsDir} (supervisor.agents_dir); agent code is loaded only from there`, { module, agents_dir: agentsDir });
  return file;
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
