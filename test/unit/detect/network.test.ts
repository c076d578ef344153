import { describe, expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import { probeNetwork, parseDefaultRoute, proxiesInEffect } from '../../../src/detect/probes/network.ts';
import { probeLocalLlm } from '../../../src/detect/probes/local-llm.ts';
import { detectNetwork } from '../../../src/detect/detect.ts';
import { isProbeError } from '../../../src/detect/facts.ts';
import { FakeRoot } from './fake-root.ts';
import { closedPort, fakeBlackhole, fakeLmStudio, fakeOllama, fakeServer } from './fake-llm-servers.ts';

const ROUTE = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\neth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\neth0\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n';

function box(): FakeRoot {
  return new FakeRoot()
    .write('/sys/class/net/lo/operstate', 'unknown\n')
    .write('/sys/class/net/eth0/operstate', 'up\n')
    .write('/sys/class/net/wlan0/operstate', 'down\n')
    .write('/proc/net/route', ROUTE)
    .write('/etc/resolv.conf', '# generated\nnameserver 1.1.1.1\nnameserver 9.9.9.9\nsearch lan\n');
}

describe('network probe', () => {
  it('reads interfaces up, the default route, DNS, and masks proxy credentials', async () => {
    using root = box();
    const n = await probeNetwork({ root: root.dir, env: { https_proxy: 'http://user:s3cret@proxy.lan:3128', NO_PROXY: 'localhost,127.0.0.1' }, dataDir: tmpdir() }, { endpoints: [], timeoutMs: 100 });
    expect(n).toMatchObject({ state: 'unverified', interfacesUp: ['eth0', 'lo'], defaultRoute: { iface: 'eth0', gateway: '192.168.1.1' }, dns: ['1.1.1.1', '9.9.9.9'], endpoints: [] });
    expect(n.proxies).toEqual({ HTTPS_PROXY: 'http://***@proxy.lan:3128', NO_PROXY: 'localhost,127.0.0.1' });
    expect(JSON.stringify(n)).not.toContain('s3cret');
  });

  it('is offline with neither route nor outward interface, and never throws on a missing /proc/net/route', async () => {
    using root = new FakeRoot().write('/sys/class/net/lo/operstate', 'unknown\n');
    const n = await probeNetwork({ root: root.dir, env: {}, dataDir: tmpdir() }, { endpoints: [], timeoutMs: 100 });
    expect(n).toMatchObject({ state: 'offline', defaultRoute: null, dns: [], interfacesUp: ['lo'] });
  });

  it('calls an endpoint reachable on any HTTP answer, unreachable on a closed port or a blackhole within the bound', async () => {
    await using up = await fakeServer((_p, res) => res.writeHead(401).end());
    await using hole = await fakeBlackhole();
    const closed = await closedPort();
    using root = box();
    const n = await probeNetwork({ root: root.dir, env: {}, dataDir: tmpdir() }, { endpoints: [`${up.url}/v1`, `http://127.0.0.1:${closed}/v1`, `${hole.url}/v1`, 'not a url'], timeoutMs: 800 });
    expect(n.state).toBe('online');
    expect(n.endpoints[0]).toMatchObject({ reachable: true, status: 401, via: 'direct' });
    expect(n.endpoints[1]).toMatchObject({ reachable: false, error: expect.stringMatching(/ECONNREFUSED/) });
    expect(n.endpoints[2]).toMatchObject({ reachable: false, error: 'no answer within 800 ms' });
    expect(n.endpoints[3]).toMatchObject({ reachable: false, error: 'not a valid URL' });
  });

  it('is offline when every endpoint is unreachable', async () => {
    const closed = await closedPort();
    using root = box();
    const n = await probeNetwork({ root: root.dir, env: {}, dataDir: tmpdir() }, { endpoints: [`http://127.0.0.1:${closed}`], timeoutMs: 200 });
    expect(n.state).toBe('offline');
  });

  it('goes through the proxy in effect, unless NO_PROXY names the host', async () => {
    await using proxy = await fakeServer((_p, res) => res.writeHead(200).end());
    using root = box();
    const env = { HTTP_PROXY: proxy.url, NO_PROXY: 'internal.example' };
    const n = await probeNetwork({ root: root.dir, env, dataDir: tmpdir() }, { endpoints: ['http://api.example.invalid/v1'], timeoutMs: 1500 });
    expect(n.endpoints[0]).toMatchObject({ reachable: true, via: 'proxy' });
    expect(proxy.requests).toEqual(['HEAD http://api.example.invalid/v1']);
  });

  it('never shows credentials or query strings of an endpoint', async () => {
    await using up = await fakeServer((_p, res) => res.writeHead(200).end());
    using root = box();
    const u = new URL(up.url);
    const n = await probeNetwork({ root: root.dir, env: {}, dataDir: tmpdir() }, { endpoints: [`http://bob:hunter2@${u.host}/v1?key=AIzaSECRET`], timeoutMs: 1500 });
    expect(n.endpoints[0]).toMatchObject({ reachable: true, url: `http://${u.host}/v1?…` });
    expect(JSON.stringify(n)).not.toMatch(/hunter2|AIzaSECRET/);
    expect(up.requests).toEqual(['GET /v1?key=AIzaSECRET']);
  });

  it('parses the default route and proxy variables', () => {
    expect(parseDefaultRoute('Iface\tDestination\tGateway\n')).toBeNull();
    expect(proxiesInEffect({ ALL_PROXY: 'socks5://a:b@h:1080' })).toEqual({ ALL_PROXY: 'socks5://***@h:1080' });
  });
});

describe('local LLM servers', () => {
  it('lists the models of LM Studio and Ollama', async () => {
    await using lm = await fakeLmStudio(['qwen2.5-7b-instruct', 'llama-3.2-3b']);
    await using ol = await fakeOllama(['llama3.2:3b']);
    const l = await probeLocalLlm({ lmstudioUrl: lm.url, ollamaUrl: ol.url, timeoutMs: 1500 });
    expect(l.lmstudio).toEqual({ url: `${lm.url}/v1/models`, running: true, models: ['qwen2.5-7b-instruct', 'llama-3.2-3b'] });
    expect(l.ollama).toMatchObject({ running: true, models: ['llama3.2:3b'] });
  });

  it('says not running on a closed port, and running-but-odd on garbage or a hang', async () => {
    await using odd = await fakeServer((_p, res) => res.writeHead(200).end('<html>'));
    await using hole = await fakeBlackhole();
    const closed = await closedPort();
    const l = await probeLocalLlm({ lmstudioUrl: `http://127.0.0.1:${closed}`, ollamaUrl: odd.url, timeoutMs: 1500 });
    expect(l.lmstudio).toMatchObject({ running: false, models: [], error: expect.stringMatching(/ECONNREFUSED/) });
    expect(l.ollama).toMatchObject({ running: true, models: [], error: expect.stringMatching(/not a model list/) });
    const h = await probeLocalLlm({ lmstudioUrl: hole.url, ollamaUrl: hole.url, timeoutMs: 100 });
    expect(h.lmstudio).toMatchObject({ running: false, error: 'no answer within 100 ms' });
  });

  it('detectNetwork answers both probes even against a blackhole', async () => {
    await using hole = await fakeBlackhole();
    using root = box();
    const { facts } = await detectNetwork({ root: root.dir, env: {}, dataDir: tmpdir(), endpoints: [hole.url], networkTimeoutMs: 100, lmstudioUrl: hole.url, ollamaUrl: hole.url });
    expect(isProbeError(facts.network)).toBe(false);
    expect(!isProbeError(facts.network) && facts.network.state).toBe('offline');
    expect(!isProbeError(facts.localLlm) && facts.localLlm.ollama.running).toBe(false);
  });
});
