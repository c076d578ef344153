import path from 'node:path';
import type { ConfigSection } from '../config/section.ts';
import type { ConfigCheck } from '../config/check.ts';
import { CAPABILITIES, isCapability, type Capability } from '../core/capabilities.ts';
import type { RestartMode } from './restart-policy.ts';
import { AGENT_NAME } from './spawn-spec.ts';
import { isInside } from './module-trust.ts';

/** One agent defined in config (`agents:` list); spawned by name through the API or at boot. */
export interface AgentDefinition {
  name: string;
  capabilities: Capability[] | undefined;
  /** An ES module in `supervisor.agents_dir` the worker imports (`start(api)`, `handle(input, api)`), absolute; the built-in echo agent when unset. */
  module: string | undefined;
  restart: RestartMode;
  autostart: boolean;
  settings: Record<string, unknown>;
}

export interface SupervisorConfig {
  agents: AgentDefinition[];
  /** The one folder agent modules are loaded from (`supervisor.agents_dir`); none when unset, so only shipped agents run. */
  agentsDir: string | undefined;
  heartbeatMs: number;
  restart: { baseMs: number; maxMs: number; jitter: number; crashLoopMax: number; crashLoopWindowMs: number };
  taskTimeoutMs: number;
}

export const supervisorSection: ConfigSection<SupervisorConfig> = {
  keys: ['agents', 'supervisor'],
  parse(root, check) {
    const sup = check.obj(root.supervisor, 'supervisor', ['agents_dir', 'heartbeat_ms', 'restart', 'task_timeout_ms']);
    const restart = check.obj(sup.restart, 'supervisor.restart', ['base_ms', 'max_ms', 'jitter', 'crash_loop_max', 'crash_loop_window_ms']);
    const agentsDir = check.optStr(sup.agents_dir, 'supervisor.agents_dir');
    if (agentsDir !== undefined && (!path.isAbsolute(agentsDir) || agentsDir.split('/').includes('..'))) check.fail('supervisor.agents_dir', 'an absolute path without ..', agentsDir);
    const names = new Set<string>();
    const agents = check.arr(root.agents, 'agents').map((a, i) => {
      const def = parseAgent(a, `agents.${i}`, check, agentsDir && path.resolve(agentsDir));
      if (names.has(def.name)) check.fail(`agents.${i}.name`, 'a name no other agent uses', def.name);
      names.add(def.name);
      return def;
    });
    return {
      agents,
      agentsDir: agentsDir && path.resolve(agentsDir),
      ...{
        heartbeatMs: check.int(sup.heartbeat_ms, 'supervisor.heartbeat_ms', { min: 100, max: 3_600_000, def: 10_000 }),
        taskTimeoutMs: check.int(sup.task_timeout_ms, 'supervisor.task_timeout_ms', { min: 100, max: 3_600_000, def: 30_000 }),
        restart: {
          baseMs: check.int(restart.base_ms, 'supervisor.restart.base_ms', { min: 0, max: 3_600_000, def: 1_000 }),
          maxMs: check.int(restart.max_ms, 'supervisor.restart.max_ms', { min: 0, max: 86_400_000, def: 60_000 }),
          jitter: check.num(restart.jitter, 'supervisor.restart.jitter', { min: 0, max: 1, def: 0.2 }),
          crashLoopMax: check.int(restart.crash_loop_max, 'supervisor.restart.crash_loop_max', { min: 1, max: 1000, def: 5 }),
          crashLoopWindowMs: check.int(restart.crash_loop_window_ms, 'supervisor.restart.crash_loop_window_ms', { min: 1000, max: 86_400_000, def: 300_000 }),
        },
      },
    };
  },
};

function parseAgent(value: unknown, p: string, check: ConfigCheck, agentsDir: string | undefined): AgentDefinition {
  const o = check.obj(value, p, ['name', 'capabilities', 'module', 'restart', 'autostart', 'settings']);
  const name = check.str(o.name, `${p}.name`);
  if (!AGENT_NAME.test(name)) check.fail(`${p}.name`, 'letters, digits, ".", "_" or "-" (at most 64)', name);
  const caps = o.capabilities === undefined ? undefined : check.arr(o.capabilities, `${p}.capabilities`).map((c, i) => {
    if (!isCapability(c)) check.fail(`${p}.capabilities.${i}`, `one of ${CAPABILITIES.join(', ')}`, c);
    return c;
  });
  const settings = check.obj(o.settings, `${p}.settings`);
  // Config agents run in worker threads; the host runtime is for nxs's own agents (see spawn-spec.ts).
  if (Object.hasOwn(settings, 'runtime')) check.fail(`${p}.settings.runtime`, 'absent (agents defined in config run in worker threads)', settings.runtime);
  return {
    name,
    capabilities: caps,
    module: moduleOf(check.optStr(o.module, `${p}.module`), `${p}.module`, check, agentsDir),
    restart: check.oneOf(o.restart, `${p}.restart`, ['always', 'on-failure', 'never'] as const, 'on-failure'),
    autostart: check.bool(o.autostart, `${p}.autostart`, false),
    settings,
  };
}

/** A config agent's code obeys the API's rule: it lives in the agents folder (a relative name is taken from there). */
function moduleOf(module: string | undefined, p: string, check: ConfigCheck, agentsDir: string | undefined): string | undefined {
  if (module === undefined) return undefined;
  if (!agentsDir) check.fail(p, 'a module in supervisor.agents_dir (set supervisor.agents_dir to the folder holding your agents)', module);
  const file = path.resolve(agentsDir, module);
  if (!isInside(agentsDir, file)) check.fail(p, `a file inside supervisor.agents_dir (${agentsDir})`, module);
  return file;
}
