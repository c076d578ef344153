import { chownSync } from 'node:fs';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { NOBODY, backdoors, makeToken, moduleHost, scratch, writeEvilModule } from './agent-module-fixture.ts';

// Issue 14, item 4: `POST /api/agents {"name":"x","settings":{"module":"/tmp/evil.mjs"}}` with a
// SPAWN_AGENT token loaded any file into the host process; the module read the operator token and
// minted a lasting ADMIN token. Naming a module now needs ADMIN, and even ADMIN loads code only
// from the operator's agents folder; an unknown name no longer becomes the echo agent.
describe('SPAWN_AGENT cannot become code execution', () => {
  it('a SPAWN_AGENT token naming /tmp/<x>/evil.mjs (owned by nobody) gets 403 ADMIN required; nothing loads, no ADMIN token is minted, the denial is audited as the token', async () => {
    using t = scratch();
    await using host = await moduleHost();
    const evil = writeEvilModule(path.join(t.root, 'evil.mjs'), t);
    t.aim(host);
    chownSync(evil, NOBODY, NOBODY);
    const spawner = await makeToken(host, ['SPAWN_AGENT']);

    const res = await host.api('/api/agents', { method: 'POST', token: spawner.token, json: { name: 'x', settings: { module: evil } } });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ success: false, error: 'Insufficient capabilities: ADMIN required' });

    expect(host.sup.list()).toEqual([]);
    expect(host.sup.workerCount()).toBe(0);
    expect(t.loaded()).toBe(false);
    expect(await backdoors(host)).toBe(0);
    const denial = host.sup.audit.list('host').find((e) => e.operation_type === 'denied:agent.spawn.module');
    expect(denial).toMatchObject({ allowed: false, principal: `token:${spawner.token_id}`, details: { capability: 'ADMIN', name: 'x', module: evil } });
  });

  it('a relative module name or one hidden in extra settings keys needs ADMIN just the same', async () => {
    using t = scratch();
    await using host = await moduleHost(t.root);
    const spawner = await makeToken(host, ['SPAWN_AGENT']);
    for (const settings of [{ module: 'evil.mjs' }, { module: null }, { module: '/tmp/evil.mjs', restart: 'always' }]) {
      const res = await host.api('/api/agents', { method: 'POST', token: spawner.token, json: { name: 'echo', settings } });
      expect(res.status).toBe(403);
    }
    expect(host.sup.list()).toEqual([]);
  });

  it("an agent's own spawn request naming a module needs ADMIN too (the agent door)", async () => {
    using t = scratch();
    await using host = await moduleHost();
    const evil = writeEvilModule(path.join(t.root, 'evil.mjs'), t);
    t.aim(host);
    const { agent_id: parent } = (await (await host.api('/api/agents', { method: 'POST', json: { name: 'echo' } })).json()) as { agent_id: number };
    await expect(host.sup.requestHandler!(String(parent), 'spawn', { name: 'x', settings: { module: evil } })).rejects.toMatchObject({ code: 'NXS_ERR_FORBIDDEN' });
    expect(host.sup.list().map((a) => a.name)).toEqual(['echo']);
    expect(t.loaded()).toBe(false);
    // The denial lands in the asking agent's own trail.
    expect(host.sup.audit.list(String(parent)).at(-1)).toMatchObject({ operation_type: 'denied:agent.spawn.module', allowed: false, principal: `agent:${parent}`, details: { module: evil } });
  });

  it('even ADMIN cannot load a module when no agents folder is configured, nor one outside the folder: 400 NXS_ERR_AGENT_MODULE_REFUSED, audited, nothing loads', async () => {
    using t = scratch();
    using folder = scratch();
    for (const agentsDir of [undefined, folder.root]) {
      await using host = await moduleHost(agentsDir);
      const evil = writeEvilModule(path.join(t.root, 'evil.mjs'), t);
    t.aim(host);
      const admin = await makeToken(host, ['ADMIN']);
      for (const module of [evil, path.join(folder.root, '..', path.basename(t.root), 'evil.mjs')]) {
        const res = await host.api('/api/agents', { method: 'POST', token: admin.token, json: { name: 'x', settings: { module } } });
        expect(res.status).toBe(400);
        expect(res.headers.get('x-nxs-error-code')).toBe('NXS_ERR_AGENT_MODULE_REFUSED');
        expect(await res.json()).toEqual({ success: false, error: agentsDir ? expect.stringMatching(/is outside the agents folder/) : expect.stringMatching(/none is configured/) });
      }
      expect(host.sup.list()).toEqual([]);
      expect(host.sup.workerCount()).toBe(0);
      expect(t.loaded()).toBe(false);
      expect(await backdoors(host)).toBe(0);
      expect(host.sup.audit.list('host').filter((e) => e.operation_type === 'denied:agent.spawn.module')).toEqual([
        expect.objectContaining({ allowed: false, principal: `token:${admin.token_id}` }),
        expect.objectContaining({ allowed: false, principal: `token:${admin.token_id}` }),
      ]);
    }
  });

  it('an agent name neither shipped nor configured is refused with 400 NXS_ERR_AGENT_UNKNOWN (it used to become the echo agent)', async () => {
    await using host = await moduleHost();
    const res = await host.api('/api/agents', { method: 'POST', json: { name: 'x' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-nxs-error-code')).toBe('NXS_ERR_AGENT_UNKNOWN');
    expect(await res.json()).toEqual({ success: false, error: expect.stringMatching(/^no agent is named "x": nxs ships "echo"/) });
    expect(host.sup.list()).toEqual([]);
    const echo = await host.api('/api/agents', { method: 'POST', json: { name: 'echo' } });
    expect(echo.status).toBe(200);
  });
});
