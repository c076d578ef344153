import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { spawnCli } from '../helpers/cli-session.ts';
import { startFakeProvider, type ReceivedRequest } from '../helpers/fake-provider.ts';
import { startTestHost } from '../helpers/test-host.ts';
import { hostRoutesStep } from '../../src/boot/host-routes.ts';
import { providersStep } from '../../src/providers/boot-step.ts';

// The attack (issue 14, item 7): register one secret of about 33 KB (a long token in config) beside
// the others every host has, then make the host log and answer errors. Before the fix the scrubbing
// regex (one alternation of every secret) failed to compile, the next log line threw, the host died,
// and its stderr held the whole pattern: every registered secret in clear.
const BIG = `big-${randomBytes(25 * 1024).toString('base64url')}`.slice(0, 33 * 1024);
const KEYS = Array.from({ length: 50 }, (_, i) => `sk-key-${String(i).padStart(2, '0')}-${randomBytes(16).toString('hex')}`);
const TOKEN = `nxs_${randomBytes(24).toString('base64url')}`;
const REGISTERED = [BIG, ...KEYS, TOKEN];
// A dump of the pattern would show any slice of the big secret, not only the whole.
const LOOKED_FOR = [...REGISTERED, BIG.slice(0, 64), BIG.slice(10_000, 10_064), BIG.slice(-64)];

const keyOf = (r: ReceivedRequest): string => String(r.headers.authorization ?? '').replace(/^Bearer /, '');

describe('a 33 KB secret beside 50 others', () => {
  it('is scrubbed from every log line, error body and answer, and the host neither crashes nor prints a secret', async () => {
    await using fake = await startFakeProvider({ name: 'p', models: ['m'] });
    const home = mkdtempSync(path.join(tmpdir(), 'nxs-scrub-crash-'));
    // The big key's provider comes last and is never called: a 33 KB Authorization header would not pass.
    const providers = [...KEYS.map((k, i) => ({ name: `p${i}`, base_url: fake.url, model: 'm', api_key: k, retries: 0 })), { name: 'big', base_url: fake.url, model: 'm', api_key: BIG, retries: 0 }];
    writeFileSync(path.join(home, 'nxs.yaml'), stringify({ log: { level: 'debug', pretty: 'never' }, providers }));
    await using nxs = spawnCli(['start', '--port', '0'], { env: { HOME: home, NXS_HOME: home, NXS_API_TOKEN: TOKEN } });
    try {
      const url = /ready at (http:\/\/\S+)/.exec(await nxs.waitFor('stdout', /ready at http:\/\/\S+ /, 30_000))![1]!;
      const api = (p: string, body?: unknown) =>
        fetch(url + p, { method: body ? 'POST' : 'GET', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
      const bodies: string[] = [];
      const ask = (stream: boolean) => ({ model: 'm', stream, messages: [{ role: 'user', content: 'hi' }] });

      // An upstream error that quotes the caller's key and every other secret: logged and turned into an error body.
      fake.script({ kind: 'custom', handle: (r, res) => { res.writeHead(400, { 'content-type': 'application/json' }); res.end(JSON.stringify({ error: { message: `bad request from ${keyOf(r)}; known: ${REGISTERED.join(' ')}`, type: 'invalid_request_error' } })); } });
      bodies.push(await (await api('/v1/chat/completions', ask(false))).text());
      // An answer that quotes them all, plain and streamed.
      fake.script({ kind: 'ok', content: `secrets: ${REGISTERED.join(' ')}` }, { kind: 'ok', content: `secrets: ${REGISTERED.join(' ')}` });
      bodies.push(await (await api('/v1/chat/completions', ask(false))).text(), await (await api('/v1/chat/completions', ask(true))).text());
      // Error messages that echo the request: an unknown route named by a key, a body that is not JSON.
      bodies.push(await (await api(`/api/${KEYS[7]}`)).text());
      bodies.push(await (await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: `{"model": "${BIG}` })).text());

      // Still up, and every body had something scrubbed in it.
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect(bodies.slice(1, 3).every((b) => b.includes('[REDACTED]'))).toBe(true);
      nxs.proc.kill('SIGTERM');
      expect((await nxs.exited).code).toBe(0);

      const files = readdirSync(path.join(home, 'data'), { recursive: true, withFileTypes: true }).filter((f) => f.isFile()).map((f) => readFileSync(path.join(f.parentPath, f.name)).toString('latin1'));
      const seen = { stdout: nxs.stdout(), stderr: nxs.stderr(), bodies: bodies.join('\n'), dataFiles: files.join('\n') };
      expect(seen.stderr.length).toBeGreaterThan(0);
      for (const [where, text] of Object.entries(seen)) {
        const leaked = LOOKED_FOR.filter((s) => text.includes(s)).map((s) => `${s.slice(0, 12)}... (${s.length} chars)`);
        expect(leaked, `secrets in ${where}`).toEqual([]);
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

// The attack (issue 15, a loose end): a provider error that quotes the caller's key in the middle of a
// long text. nxs cut provider text (to 500, then 200 characters) before scrubbing it, so a key that
// straddled the cut was no longer whole: its first 1-7 characters were too short to be recognised
// as a secret's start, and went out in the error body and the log. Every cut position is tried, in
// each place a provider's words are cut: an HTTP error's JSON message, a plain-text error body, and
// an error event mid-stream.
describe('a provider error quoting a key across the point where nxs cuts it', () => {
  it('leaks no part of the key, whatever the cut position', async () => {
    const KEY = `sk-live-${randomBytes(24).toString('hex')}`;
    await using fake = await startFakeProvider({ name: 'p' });
    await using h = await startTestHost({
      config: { providers: [{ name: 'p', base_url: fake.url, model: 'm', api_key: KEY, retries: 0 }], llm_client: { local_probe: [], breaker_failures: 100, cooldown_base_ms: 0 } },
      steps: [hostRoutesStep, providersStep],
    });
    const said = (r: ReceivedRequest, at: number) => `${'x'.repeat(at)}${keyOf(r)}${'y'.repeat(400)}`;
    const bodies: string[] = [];
    const ask = async (stream = false) => bodies.push(await (await h.api('/v1/chat/completions', { method: 'POST', json: { model: 'm', stream, messages: [{ role: 'user', content: 'hi' }] } })).text());
    // describeFailure keeps 200 characters of the message: the key starts 1 to 8 characters before that.
    for (let at = 192; at < 200; at++) {
      fake.script({ kind: 'custom', handle: (r, res) => { res.writeHead(400, { 'content-type': 'application/json' }); res.end(JSON.stringify({ error: { message: said(r, at), type: 'invalid_request_error' } })); } });
      await ask();
      fake.script({ kind: 'custom', handle: (r, res) => { res.writeHead(500, { 'content-type': 'text/plain' }); res.end(said(r, at)); } });
      await ask();
      fake.script({ kind: 'error-mid-stream', sent: [], error: { message: said(fake.requests.at(-1)!, at) } });
      await ask(true);
    }
    // The plain-text body is also cut at 500 characters first.
    for (let at = 492; at < 500; at++) {
      fake.script({ kind: 'custom', handle: (r, res) => { res.writeHead(400, { 'content-type': 'text/plain' }); res.end(said(r, at)); } });
      await ask();
    }
    expect(fake.requests.length).toBe(32);
    expect(bodies.every((b) => b.includes('xxxxxxxx'))).toBe(true);
    const seen = [...bodies, ...h.logLines].join('\n');
    // The padding is followed by the redaction mark or by nothing: never by the key's first character.
    expect(seen).not.toMatch(new RegExp(`x{8}${KEY[0]}`));
    expect(seen).not.toContain(KEY.slice(0, 8));
    // What the cut leaves of the redaction mark is there instead.
    expect(seen).toMatch(/x{8}\[/);
  });
});
