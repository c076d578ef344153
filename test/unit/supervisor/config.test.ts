import { describe, it, expect } from 'vitest';
import { parseConfig } from '../../../src/config/load.ts';
import { supervisorHost, json, running } from './helpers.ts';

function parse(doc: Record<string, unknown>): string {
  try {
    const c = parseConfig({ data_dir: '/tmp/x', ...doc }, new Map([['agents', '/etc/nxs.yaml'], ['supervisor', '/etc/nxs.yaml'], ['gpu', '/etc/nxs.yaml']]), '/tmp');
    return JSON.stringify({ agents: c.supervisor.agents.map((a) => [a.name, a.restart, a.capabilities ?? null]), hb: c.supervisor.heartbeatMs });
  } catch (err) {
    return (err as Error).message;
  }
}

describe('supervisor config', () => {
  it.each([
    ['defaults', {}, '{"agents":[],"hb":10000}'],
    ['an agent', { agents: [{ name: 'mail', capabilities: ['ACCESS_NET'], restart: 'always' }] }, '{"agents":[["mail","always",["ACCESS_NET"]]],"hb":10000}'],
    ['unknown capability', { agents: [{ name: 'a', capabilities: ['ROOT'] }] }, '/etc/nxs.yaml: agents.0.capabilities.0 must be one of SPAWN_AGENT, KILL_AGENT, ALLOC_MEMORY, ACCESS_FS, ACCESS_NET, ACCESS_GPU, ACCESS_IO, READ_METRICS, ADMIN; got "ROOT"'],
    ['duplicate name', { agents: [{ name: 'a' }, { name: 'a' }] }, '/etc/nxs.yaml: agents.1.name must be a name no other agent uses; got "a"'],
    ['bad restart', { agents: [{ name: 'a', restart: 'sometimes' }] }, '/etc/nxs.yaml: agents.0.restart must be one of always, on-failure, never; got "sometimes"'],
    ['unknown key', { agents: [{ name: 'a', memory: 5 }] }, '/etc/nxs.yaml: agents.0.memory must be one of the known keys of agents.0 (name, capabilities, module, restart, autostart, settings); got "an unknown key"'],
    ['a runtime in settings (config agents are workers)', { agents: [{ name: 'a', settings: { runtime: 'host' } }] }, '/etc/nxs.yaml: agents.0.settings.runtime must be absent (agents defined in config run in worker threads); got "host"'],
    ['a module with no agents folder', { agents: [{ name: 'a', module: '/opt/a.mjs' }] }, '/etc/nxs.yaml: agents.0.module must be a module in supervisor.agents_dir (set supervisor.agents_dir to the folder holding your agents); got "/opt/a.mjs"'],
    ['a module outside the agents folder', { supervisor: { agents_dir: '/opt/agents' }, agents: [{ name: 'a', module: '/tmp/evil.mjs' }] }, '/etc/nxs.yaml: agents.0.module must be a file inside supervisor.agents_dir (/opt/agents); got "/tmp/evil.mjs"'],
    ['a module that climbs out of the agents folder', { supervisor: { agents_dir: '/opt/agents' }, agents: [{ name: 'a', module: '../evil.mjs' }] }, '/etc/nxs.yaml: agents.0.module must be a file inside supervisor.agents_dir (/opt/agents); got "../evil.mjs"'],
    ['a relative agents folder', { supervisor: { agents_dir: 'agents' } }, '/etc/nxs.yaml: supervisor.agents_dir must be an absolute path without ..; got "agents"'],
    ['heartbeat too fast', { supervisor: { heartbeat_ms: 5 } }, '/etc/nxs.yaml: supervisor.heartbeat_ms must be an integer from 100 to 3600000; got 5'],
  ])('%s', (_n, doc, expected) => {
    expect(parse(doc)).toBe(expected);
  });

  // Issue 16: fake GPUs were a test seam in the production config; tests now pass supervisorStep({ gpuDevices }).
  it('gpu.fake_devices is not config: a file that sets it is told gpu is an unknown key', () => {
    expect(parse({ gpu: { fake_devices: [0, 1] } })).toMatch(/^\/etc\/nxs\.yaml: gpu must be one of the known keys of the config \(.*\); got "an unknown key"$/);
  });

  it('a module is taken from the agents folder: a relative name resolves there, an absolute one is kept', () => {
    const c = parseConfig({ data_dir: '/tmp/x', supervisor: { agents_dir: '/opt/agents/' }, agents: [{ name: 'a', module: 'mail/a.mjs' }, { name: 'b', module: '/opt/agents/b.mjs' }] }, new Map(), '/tmp');
    expect(c.supervisor.agentsDir).toBe('/opt/agents');
    expect(c.supervisor.agents.map((a) => a.module)).toEqual(['/opt/agents/mail/a.mjs', '/opt/agents/b.mjs']);
  });

  it('spawns autostart agents at boot with their defined capabilities', async () => {
    await using host = await supervisorHost({ config: { agents: [{ name: 'keeper', autostart: true, capabilities: ['ACCESS_FS'] }, { name: 'idle' }] } });
    const list = await json(await host.api('/api/agents'));
    expect(list.agents.map((a: any) => [a.name, a.capabilities])).toEqual([['keeper', ['ACCESS_FS']]]);
    await running(host, list.agents[0].agent_id);
    const status = await json(await host.api('/api/status'));
    expect(status.agents).toMatchObject({ total: 1, running: 1, parked: 0, gpu_devices: 2 });
  });
});
