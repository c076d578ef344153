import { describe, it, expect } from 'vitest';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { startTestHost } from '../../helpers/test-host.ts';
import { hostRoutesStep } from '../../../src/boot/host-routes.ts';
import type { BootStep } from '../../../src/boot/steps.ts';
import { TokenAuthority } from '../../../src/http/auth.ts';

const readOnlyToken: BootStep = {
  name: 'read-only-token',
  start(_ctx, parts) {
    parts.auth.addResolver((t) => (t === 'reader-token-123' ? { id: 'token:reader', capabilities: new Set() } : null));
  },
};

describe('the spine over HTTP', () => {
  it('serves health publicly and everything else behind the bearer token', async () => {
    await using host = await startTestHost({ steps: [hostRoutesStep] });
    expect((await host.api('/healthz', { token: null })).status).toBe(200);
    const ready = await host.api('/readyz', { token: null });
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true });
    const none = await host.api('/api/status', { token: null });
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ success: false });
    expect(none.headers.get('x-nxs-error-code')).toBe('NXS_ERR_UNAUTHORIZED');
    expect((await host.api('/api/status', { token: 'wrong' })).status).toBe(401);
    const ok = await host.api('/api/status');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ version: 'test', tier: 'standard', data_dir: path.join(host.home, 'data') });
  });

  it('reports resident memory and the V8 heap in use (what the soak watches for leaks)', async () => {
    await using host = await startTestHost({ steps: [hostRoutesStep] });
    const status = (await (await host.api('/api/status')).json()) as { memory_rss_bytes: number; memory_heap_used_bytes: number };
    expect(status.memory_heap_used_bytes).toBeGreaterThan(0);
    expect(status.memory_heap_used_bytes).toBeLessThan(status.memory_rss_bytes);
  });

  it('writes the operator token 0600 and accepts it', async () => {
    await using host = await startTestHost({ steps: [hostRoutesStep] });
    const file = path.join(host.home, 'data', 'api-token');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(host.token);
  });

  it('answers garbage with coded errors: bad JSON 400, too large 413, unknown 404, wrong method 405', async () => {
    await using host = await startTestHost({ steps: [hostRoutesStep], config: { server: { max_body_bytes: 2048 } } });
    const bad = await host.api('/api/boot/entry', { method: 'POST', body: '{"entry": ', headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect((await bad.json()) as object).toMatchObject({ success: false });
    expect(bad.headers.get('x-nxs-error-code')).toBe('NXS_ERR_BAD_REQUEST');
    const big = await host.api('/api/boot/entry', { method: 'POST', json: { entry: 'x'.repeat(5000) } });
    expect(big.status).toBe(413);
    expect((await host.api('/api/nope')).status).toBe(404);
    const wrong = await host.api('/api/status', { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
    const empty = await host.api('/api/boot/entry', { method: 'POST', json: { entry: '' } });
    expect(empty.status).toBe(400);
  });

  it('denies a missing capability with seed 004\'s body', async () => {
    await using host = await startTestHost({ steps: [readOnlyToken, hostRoutesStep] });
    const r = await host.api('/api/boot/entry', { method: 'POST', token: 'reader-token-123', json: { entry: 'hello' } });
    expect(r.status).toBe(403);
    expect(await r.json()).toEqual({ success: false, error: 'Insufficient capabilities: ADMIN required' });
    expect(r.headers.get('x-nxs-error-code')).toBe('NXS_ERR_FORBIDDEN');
  });

  it('keeps a boot log in seed 004\'s format, per boot, with every phase', async () => {
    await using host = await startTestHost({ steps: [hostRoutesStep] });
    expect((await host.api('/api/boot/entry', { method: 'POST', json: { entry: 'Agent supervisor started' } })).status).toBe(200);
    const { log, boot_id } = (await (await host.api('/api/boot/log')).json()) as { log: string; boot_id: string };
    expect(boot_id).toBe(host.ctx.bootLog.bootId);
    const lines = log.trim().split('\n');
    for (const line of lines) expect(line).toMatch(/^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\] \S/);
    for (const phase of ['config', 'data-dir', 'store', 'token', 'http', 'host-routes']) expect(log).toMatch(new RegExp(`phase ${phase}: \\d+\\.\\d ms`));
    expect(log).toContain('] Agent supervisor started');
    expect((await host.api(`/api/boot/log?boot_id=${boot_id}`)).status).toBe(200);
    expect((await host.api('/api/boot/log?boot_id=boot_0_nope')).status).toBe(404);
    const { boots } = (await (await host.api('/api/boot/list')).json()) as { boots: { boot_id: string }[] };
    expect(boots[0]!.boot_id).toBe(boot_id);
  });

  it('never writes the operator token or NXS_API_TOKEN to logs or error bodies', async () => {
    const planted = 'sk-planted-secret-0123456789abcdef';
    await using host = await startTestHost({ steps: [hostRoutesStep], env: { NXS_API_TOKEN: planted } });
    expect(host.token).toBe(planted);
    host.ctx.log.info({ apiKey: planted, note: `the key is ${planted}` }, `logging ${planted}`);
    const r = await host.api(`/api/boot/log?boot_id=${planted}`);
    const text = await r.text();
    expect(text).not.toContain(planted);
    expect(host.logLines.join('\n')).not.toContain(planted);
    expect(host.logLines.join('\n')).toContain('[REDACTED]');
  });

  it('compares tokens whatever their length', () => {
    const auth = new TokenAuthority('abc');
    expect(auth.resolve('abc')?.id).toBe('operator');
    expect(auth.resolve('abcd')).toBeNull();
    expect(auth.resolve('')).toBeNull();
  });
});
