import { describe, it, expect } from 'vitest';
import { resolveSpawn, requireKnownAgent } from '../../../src/supervisor/spawn-spec.ts';
import type { AgentDefinition } from '../../../src/supervisor/config.ts';
import type { SpawnSpec } from '../../../src/supervisor/types.ts';
import { NxsError } from '../../../src/core/errors.ts';

const mailer: AgentDefinition = { name: 'mailer', capabilities: ['ACCESS_NET'], module: '/opt/mailer.mjs', restart: 'always', autostart: false, settings: { smtp: 'local' } };

describe('resolveSpawn (pure)', () => {
  it.each<[string, SpawnSpec, AgentDefinition | undefined, unknown]>([
    ['a worker by default, echo agent, default capabilities', { name: 'echo' }, undefined, { runtime: 'worker', capabilities: ['SPAWN_AGENT', 'ALLOC_MEMORY'], settings: { restart: 'on-failure' } }],
    ['a config definition fills a worker', { name: 'mailer' }, mailer, { runtime: 'worker', capabilities: ['ACCESS_NET'], settings: { smtp: 'local', module: '/opt/mailer.mjs', restart: 'always' } }],
    ['explicit worker drops a stray settings.runtime', { name: 'x', runtime: 'worker', settings: { runtime: 'host' } }, undefined, { runtime: 'worker', settings: { restart: 'on-failure' } }],
    ['a host agent: runtime kept in settings, no restart setting', { name: 'assistant', runtime: 'host', capabilities: ['ACCESS_FS'], settings: { role: 'assistant' } }, undefined, { runtime: 'host', capabilities: ['ACCESS_FS'], settings: { role: 'assistant', runtime: 'host' } }],
    ['a host agent ignores a config definition of its name', { name: 'mailer', runtime: 'host' }, mailer, { runtime: 'host', capabilities: ['SPAWN_AGENT', 'ALLOC_MEMORY'], settings: { runtime: 'host' } }],
    ['a restored checkpoint of a host agent: runtime from settings, restart dropped', { name: 'assistant', settings: { role: 'assistant', runtime: 'host', restart: 'on-failure' } }, undefined, { runtime: 'host', settings: { role: 'assistant', runtime: 'host' } }],
    ['a module named relative to the agents folder', { name: 'x', settings: { module: 'sub/a.mjs' } }, undefined, { settings: { module: '/opt/sub/a.mjs' } }],
    ['a module in the request replaces the definition\'s', { name: 'mailer', settings: { module: '/opt/other.mjs' } }, mailer, { settings: { smtp: 'local', module: '/opt/other.mjs', restart: 'always' } }],
  ])('%s', (_n, spec, def, want) => {
    expect(resolveSpawn(spec, def, '/opt')).toMatchObject(want as object);
  });

  it.each<[string, SpawnSpec, RegExp]>([
    ['a bad name', { name: '../x' }, /name must be 1-64 letters/],
    ['an unknown runtime', { name: 'x', runtime: 'process' as never }, /runtime must be "worker" or "host"; got "process"/],
    ['an unknown runtime in settings', { name: 'x', settings: { runtime: 3 } }, /runtime must be "worker" or "host"; got 3/],
    ['a module for a host agent', { name: 'x', runtime: 'host', settings: { module: '/a.mjs' } }, /settings.module cannot be set for agent x: it runs inside the host/],
    ['a module that is not a path', { name: 'x', settings: { module: 7 } }, /settings.module must be the path of an ES module in the agents folder; got 7/],
    ['an unknown capability', { name: 'x', capabilities: ['ROOT' as never] }, /unknown capability "ROOT"/],
  ])('refuses %s with NXS_ERR_AGENT_INVALID', (_n, spec, message) => {
    let err: unknown;
    try {
      resolveSpawn(spec, undefined, '/opt');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NxsError);
    expect((err as NxsError).code).toBe('NXS_ERR_AGENT_INVALID');
    expect((err as NxsError).message).toMatch(message);
  });

  it.each<[string, SpawnSpec, string | undefined, RegExp]>([
    ['a module outside the agents folder', { name: 'x', settings: { module: '/tmp/evil.mjs' } }, '/opt', /settings.module "\/tmp\/evil.mjs" is outside the agents folder \/opt/],
    ['a module that climbs out of the folder', { name: 'x', settings: { module: 'sub/../../tmp/evil.mjs' } }, '/opt', /is outside the agents folder/],
    ['a module when no agents folder is configured', { name: 'x', settings: { module: '/opt/a.mjs' } }, undefined, /none is configured/],
  ])('refuses %s with NXS_ERR_AGENT_MODULE_REFUSED', (_n, spec, dir, message) => {
    expect(() => resolveSpawn(spec, undefined, dir)).toThrow(expect.objectContaining({ code: 'NXS_ERR_AGENT_MODULE_REFUSED', message: expect.stringMatching(message) }));
  });
});

describe('requireKnownAgent (pure): the doors spawn only shipped, configured or ADMIN-named code', () => {
  it.each<[string, unknown, AgentDefinition | undefined, boolean, string | null]>([
    ['a shipped agent', 'echo', undefined, false, null],
    ['a configured agent', 'mailer', mailer, false, null],
    ['any name with a module named (ADMIN was checked)', 'mine', undefined, true, null],
    ['an unknown name', 'mover', undefined, false, 'NXS_ERR_AGENT_UNKNOWN'],
    ['a bad name', '../x', undefined, true, 'NXS_ERR_AGENT_INVALID'],
  ])('%s', (_n, name, def, namesModule, code) => {
    let got: string | null = null;
    try {
      requireKnownAgent(name, def, namesModule);
    } catch (err) {
      got = (err as NxsError).code;
    }
    expect(got).toBe(code);
  });
});
