import { describe, it, expect } from 'vitest';
import { request } from 'node:http';
import { startTestHost, type TestHost } from '../helpers/test-host.ts';

// Issue 18: the console's session cookie is sent by the browser with every request to the host,
// whichever page made it. SameSite=Strict stops other sites, not another port of 127.0.0.1 (same
// site, other origin), so a page there could drive the API with the owner's session. Performed
// here: state-changing requests carrying the cookie from another origin, with no origin, and a
// cross-site read; a session minted with fewer capabilities trying what it lacks; a session
// minting itself a new link; a token asking for a link with more than it holds.

interface Raw {
  status: number;
  code: string | undefined;
  body: string;
}

/** A raw request, so Origin, Host and Sec-Fetch-Site are exactly what an attacking page's browser would send. */
function raw(host: TestHost, method: string, pathname: string, headers: Record<string, string>, body?: unknown): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(host.url + pathname, { method, headers: { ...headers, ...(payload ? { 'content-type': 'application/json' } : {}) } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, code: res.headers['x-nxs-error-code'] as string | undefined, body: text }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function signIn(host: TestHost, token?: string, capabilities?: string[]): Promise<string> {
  const minted = await host.api('/api/console/links', { method: 'POST', json: capabilities ? { capabilities } : {}, ...(token ? { token } : {}) });
  expect(minted.status).toBe(201);
  const { code } = (await minted.json()) as { code: string };
  const res = await host.api('/api/console/login', { method: 'POST', token: null, json: { code }, headers: { origin: host.url } });
  expect(res.status).toBe(200);
  return res.headers.getSetCookie()[0]!.split(';')[0]!;
}

describe('the console session cookie from another origin', () => {
  it('refuses state-changing requests from another origin or none, and cross-site reads, with 403', async () => {
    await using host = await startTestHost();
    const cookie = await signIn(host);
    const evil = host.url.replace(/:\d+$/, ':9'); // another port of the same loopback address: same site, other origin
    const task = { name: 'evil', every: '1h', queue: 'selftest', payload: {} };

    const attacks: [string, string, Record<string, string>][] = [
      ['POST', '/api/tasks', { cookie, origin: evil, 'sec-fetch-site': 'same-site' }],
      ['POST', '/api/tasks', { cookie, origin: evil }],
      ['POST', '/api/tasks', { cookie, origin: 'null' }],
      ['POST', '/api/tasks', { cookie }],
      ['DELETE', '/api/agents/1', { cookie, origin: 'https://attacker.example', 'sec-fetch-site': 'cross-site' }],
      ['GET', '/api/console/config', { cookie, 'sec-fetch-site': 'cross-site' }],
      ['GET', '/api/status', { cookie, 'sec-fetch-site': 'same-site' }],
      ['POST', '/api/console/logout', { cookie, origin: evil }],
    ];
    for (const [method, pathname, headers] of attacks) {
      const res = await raw(host, method, pathname, headers, method === 'POST' ? task : undefined);
      expect(res.status, `${method} ${pathname} ${JSON.stringify(headers)}`).toBe(403);
      expect(res.code).toBe('NXS_ERR_CONSOLE_ORIGIN');
      expect(JSON.parse(res.body).error).toMatch(/origin/);
    }
    // Nothing was done: no task, and the session survived the forged logout.
    expect(((await (await host.api('/api/tasks')).json()) as { tasks: unknown[] }).tasks).toEqual([]);
    const ok = await raw(host, 'GET', '/api/status', { cookie, 'sec-fetch-site': 'same-origin' });
    expect(ok.status).toBe(200);
    // The console's own origin may change state.
    const mine = await raw(host, 'POST', '/api/tasks', { cookie, origin: host.url, 'sec-fetch-site': 'same-origin' }, task);
    expect(mine.status).toBe(201);
    // A login posted from another origin is refused before the code is spent.
    const minted = (await (await host.api('/api/console/links', { method: 'POST', json: {} })).json()) as { code: string };
    expect((await raw(host, 'POST', '/api/console/login', { origin: evil }, { code: minted.code })).code).toBe('NXS_ERR_CONSOLE_ORIGIN');
    expect((await raw(host, 'POST', '/api/console/login', { origin: host.url }, { code: minted.code })).status).toBe(200);
  });

  it('a session minted with fewer capabilities is refused what it lacks, with the API\'s 403 message', async () => {
    await using host = await startTestHost();
    // The operator's token asks for a link with only ALLOC_MEMORY; a low token asks for one with more than it holds.
    const limited = await signIn(host, undefined, ['ALLOC_MEMORY']);
    const kill = await raw(host, 'DELETE', '/api/agents/1', { cookie: limited, origin: host.url });
    expect(kill.status).toBe(403);
    expect(kill.code).toBe('NXS_ERR_FORBIDDEN');
    expect(JSON.parse(kill.body)).toEqual({ success: false, error: 'Insufficient capabilities: KILL_AGENT required' });
    const config = await raw(host, 'GET', '/api/console/config', { cookie: limited });
    expect(JSON.parse(config.body)).toEqual({ success: false, error: 'Insufficient capabilities: ADMIN required' });
    // What it holds still works; the agent was not killed.
    expect((await raw(host, 'GET', '/api/queue/stats', { cookie: limited })).status).toBe(200);
    expect(((await (await host.api('/api/agents/1')).json()) as { state: string }).state).not.toBe('killed');

    const low = (await (await host.api('/api/tokens', { method: 'POST', json: { capabilities: ['ALLOC_MEMORY'], name: 'low' } })).json()) as { token: string };
    const greedy = await host.api('/api/console/links', { method: 'POST', token: low.token, json: { capabilities: ['ALLOC_MEMORY', 'ADMIN'] } });
    expect(greedy.status).toBe(403);
    expect(await greedy.json()).toEqual({ success: false, error: 'Insufficient capabilities: ADMIN required' });
    // By default a link carries what the token holds, no more.
    const lowSession = await signIn(host, low.token);
    const me = JSON.parse((await raw(host, 'GET', '/api/console/session', { cookie: lowSession })).body) as { capabilities: string[] };
    expect(me.capabilities).toEqual(['ALLOC_MEMORY']);

    // A session cannot mint itself a fresh link (it would outlive its expiry).
    const self = await raw(host, 'POST', '/api/console/links', { cookie: limited, origin: host.url }, {});
    expect(self.status).toBe(403);
    expect(self.code).toBe('NXS_ERR_CONSOLE_NEEDS_TOKEN');
    expect((await host.api('/healthz', { token: null })).status).toBe(200);
  });
});
