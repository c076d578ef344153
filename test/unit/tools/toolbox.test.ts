import { describe, test, expect } from 'vitest';
import http from 'node:http';
import type net from 'node:net';
import { makeToolbox, call, parse } from './toolbox-fixture.ts';
import type { FakeClock } from '../../helpers/fake-clock.ts';

const SECRET = 'sk-live-toolbox-secret-0123456789';

async function server(handler: http.RequestListener): Promise<{ port: number; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const s = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    handler(req, res);
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { port: (s.address() as net.AddressInfo).port, hits, close: () => new Promise((r) => s.close(() => r())) };
}

describe('toolbox', () => {
  test('definitions are OpenAI function tools; definitionsFor offers only what the agent may use', async () => {
    await using f = await makeToolbox({ agents: { reader: ['ACCESS_FS'], admin: ['ADMIN'] } });
    expect(f.toolbox.definitions.map((d) => d.function.name)).toEqual(['shell', 'read_file', 'write_file', 'list_dir', 'http_fetch']);
    expect(f.toolbox.definitions[0]).toMatchObject({ type: 'function', function: { parameters: { type: 'object', required: ['command'], additionalProperties: false } } });
    expect(f.toolbox.definitionsFor('reader', 'main').map((d) => d.function.name)).toEqual(['read_file', 'write_file', 'list_dir']);
    expect(f.toolbox.definitionsFor('reader', 'other').map((d) => d.function.name)).toEqual(['read_file', 'list_dir']);
    expect(f.toolbox.definitionsFor('admin', 'other').map((d) => d.function.name)).toEqual(['read_file', 'list_dir', 'http_fetch']);
  });

  test('a malformed call is an error result the model can read, audited, never a throw', async () => {
    await using f = await makeToolbox();
    const broken = [call('shell', '{"command":'), call('nope', '{}'), { id: 'x', function: { name: 'read_file', arguments: 42 } }, call('write_file', { path: 'a' }), null, { function: null }, 'shell'] as unknown as Parameters<typeof f.toolbox.execute>[0][];
    for (const bad of broken) {
      const r = await f.toolbox.execute(bad, { agentId: 'a1', trust: 'main' });
      expect(r.ok).toBe(false);
      expect(parse(r.content).error.code).toBe('NXS_ERR_TOOL_ARGS');
    }
    expect(f.audit.entries.every((e) => e.allowed === false && typeof (e.details as { reason: string }).reason === 'string')).toBe(true);
    expect(f.toolbox.toMessage(await f.toolbox.execute(call('nope', '{}', 'id9'), { agentId: 'a1', trust: 'main' }))).toMatchObject({ role: 'tool', tool_call_id: 'id9' });
  });

  test('capability and trust denials are refused before anything runs and audited with redacted arguments', async () => {
    await using f = await makeToolbox({ agents: { weak: [], fsonly: ['ACCESS_FS'] } });
    f.ctx.redactor.add(SECRET);
    const r1 = await f.toolbox.execute(call('shell', { command: `curl -H "Authorization: Bearer ${SECRET}" http://x` }), { agentId: 'weak', trust: 'main' });
    expect(r1.error).toMatchObject({ code: 'NXS_ERR_TOOL_DENIED', message: expect.stringContaining('ACCESS_IO') });
    const r2 = await f.toolbox.execute(call('write_file', { path: 'x.txt', content: SECRET }), { agentId: 'fsonly', trust: 'other' });
    expect(r2.error?.code).toBe('NXS_ERR_TOOL_DENIED');
    const r3 = await f.toolbox.execute(call('http_fetch', { url: 'http://x/', headers: { authorization: 'Basic abc' } }), { agentId: 'fsonly', trust: 'main' });
    expect(r3.error?.message).toContain('ACCESS_NET');
    expect(f.audit.entries).toHaveLength(3);
    const trail = JSON.stringify(f.audit.entries);
    expect(trail).not.toContain(SECRET);
    expect(trail).not.toContain('Basic abc');
    expect(f.audit.entries[0]).toMatchObject({ agent_id: 'weak', operation_type: 'tool.shell', allowed: false, principal: 'agent:weak', details: { trust: 'main', arguments: { command: expect.stringContaining('[REDACTED]') } } });
    expect(JSON.stringify(f.ctx.logLines)).not.toContain(SECRET);
  });

  test('tool output that carries a known secret is scrubbed before the model sees it', async () => {
    await using f = await makeToolbox();
    f.ctx.redactor.add(SECRET);
    await f.toolbox.execute(call('write_file', { path: 'leak.txt', content: `key=${SECRET}` }), { agentId: 'a1', trust: 'main' });
    const r = await f.toolbox.execute(call('read_file', { path: 'leak.txt' }), { agentId: 'a1', trust: 'main' });
    expect(r.content).not.toContain(SECRET);
    expect(parse(r.content).content).toBe('key=[REDACTED]');
  });

  test('http_fetch reaches an allowlisted host through the proxy; other targets and redirects out are denied and audited', async () => {
    const other = await server((_req, res) => res.end('should never be reached'));
    const ok = await server((req, res) => {
      if (req.url === '/away') res.writeHead(302, { location: `http://127.0.0.1:${other.port}/x` }).end();
      else res.writeHead(200, { 'content-type': 'text/plain' }).end(`got ${req.method} ${req.url} ${req.headers['x-test'] ?? ''}`);
    });
    await using f = await makeToolbox({ sandbox: { egress: { allow: [`127.0.0.1:${ok.port}`, 'localhost:*'] } } });
    try {
      const good = await f.toolbox.execute(call('http_fetch', { url: `http://127.0.0.1:${ok.port}/hello?a=1`, headers: { 'x-test': 'yes' } }), { agentId: 'a1', trust: 'main' });
      expect(parse(good.content)).toMatchObject({ status: 200, body: 'got GET /hello?a=1 yes', headers: { 'content-type': 'text/plain' } });

      const denied = await f.toolbox.execute(call('http_fetch', { url: `http://127.0.0.1:${other.port}/` }), { agentId: 'a1', trust: 'main' });
      expect(denied.error).toMatchObject({ code: 'NXS_ERR_EGRESS_DENIED', message: expect.stringContaining('not on the egress allowlist') });

      const redirected = await f.toolbox.execute(call('http_fetch', { url: `http://127.0.0.1:${ok.port}/away` }), { agentId: 'a1', trust: 'main' });
      expect(redirected.error?.code).toBe('NXS_ERR_EGRESS_DENIED');

      // A name on the allowlist that resolves to loopback is refused (DNS rebinding); only IP literals may name local addresses.
      const rebound = await f.toolbox.execute(call('http_fetch', { url: `http://localhost:${ok.port}/` }), { agentId: 'a1', trust: 'main' });
      expect(rebound.error?.message).toMatch(/resolves to .*local or metadata address/);

      expect(other.hits).toEqual([]);
      const egressDenials = f.audit.entries.filter((e) => e.operation_type === 'egress.connect' && !e.allowed);
      expect(egressDenials.map((e) => (e.details as { port: number }).port)).toEqual([other.port, other.port, ok.port]);
    } finally {
      await ok.close();
      await other.close();
    }
  });

  test('http_fetch honours an egress override until it expires', async () => {
    const target = await server((_req, res) => res.end('ok'));
    await using f = await makeToolbox();
    try {
      const before = await f.toolbox.execute(call('http_fetch', { url: `http://127.0.0.1:${target.port}/` }), { agentId: 'a1', trust: 'main' });
      expect(before.error?.code).toBe('NXS_ERR_EGRESS_DENIED');
      f.toolbox.sandbox.overrides.grant({ kind: 'egress', target: `127.0.0.1:${target.port}`, minutes: 1, reason: 'one-off download' }, 'operator');
      const during = await f.toolbox.execute(call('http_fetch', { url: `http://127.0.0.1:${target.port}/` }), { agentId: 'a1', trust: 'main' });
      expect(parse(during.content)).toMatchObject({ status: 200, body: 'ok' });
      expect(target.hits).toEqual(['GET /']);
      await (f.ctx.clock as FakeClock).advance(60_000);
      const after = await f.toolbox.execute(call('http_fetch', { url: `http://127.0.0.1:${target.port}/` }), { agentId: 'a1', trust: 'main' });
      expect(after.error?.code).toBe('NXS_ERR_EGRESS_DENIED');
      expect(target.hits).toEqual(['GET /']);
    } finally {
      await target.close();
    }
  });
});
