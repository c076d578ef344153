import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnCli } from '../helpers/cli-session.ts';

// Issue 14, item 10: `nxs status --url http://other-host` sent the operator token of the local data
// folder to whoever answered at other-host.

const OPERATOR_TOKEN = 'nxs_operator_token_of_this_box_0123456789abcdef';
const OTHER_TOKEN = 'nxs_token_given_for_the_other_host_9876543210';

/**
 * "Another host": a listener on every address, reached through an address of this machine that is not
 * loopback (its LAN address when it has one; 0.0.0.0 otherwise, which Linux delivers locally too).
 * It answers like a host and records what it was sent.
 */
const seen: IncomingHttpHeaders[] = [];
const server = createServer((req, res) => {
  seen.push(req.headers);
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ version: 'x', pid: 1, boot_id: 'b', uptime_ms: 0, data_dir: '/elsewhere', tier: 'standard', memory_rss_bytes: 0 }));
});
const lan = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address ?? '0.0.0.0';
let otherUrl: string;
let loopbackUrl: string;

const home = mkdtempSync(path.join(tmpdir(), 'nxs-remote-'));
beforeAll(async () => {
  // This box's data folder, with the operator token a host wrote at its first start.
  mkdirSync(path.join(home, 'data'), { mode: 0o700 });
  writeFileSync(path.join(home, 'data', 'api-token'), `${OPERATOR_TOKEN}\n`, { mode: 0o600 });
  writeFileSync(path.join(home, 'other-token'), `${OTHER_TOKEN}\n`, { mode: 0o600 });
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  const { port } = server.address() as AddressInfo;
  otherUrl = `http://${lan}:${port}`;
  loopbackUrl = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(home, { recursive: true, force: true });
});

async function status(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string; headers: IncomingHttpHeaders[] }> {
  const before = seen.length;
  await using nxs = spawnCli(['status', '--json', ...args], { env: { NXS_HOME: home, HOME: home, ...env } });
  const { code } = await nxs.exited;
  return { code, stderr: nxs.stderr(), headers: seen.slice(before) };
}

describe('the operator token goes only to this machine (issue 14, item 10)', () => {
  it('nxs status --url <another host> sends nothing: exit 2, NXS_ERR_REMOTE_NEEDS_TOKEN', async () => {
    const r = await status(['--url', otherUrl]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('[NXS_ERR_REMOTE_NEEDS_TOKEN]');
    expect(r.stderr).not.toContain(OPERATOR_TOKEN);
    // Not even a request without the header: the other side learns nothing.
    expect(r.headers).toEqual([]);
  });

  it('a token given for that host (NXS_API_TOKEN) is sent, and only it', async () => {
    const r = await status(['--url', otherUrl], { NXS_API_TOKEN: OTHER_TOKEN });
    expect(r.code).toBe(0);
    expect(r.headers.map((h) => h.authorization)).toEqual([`Bearer ${OTHER_TOKEN}`]);
  });

  it('a token given in a file (--token-file) is sent, and only it', async () => {
    const r = await status(['--url', otherUrl, '--token-file', path.join(home, 'other-token')]);
    expect(r.code).toBe(0);
    expect(r.headers.map((h) => h.authorization)).toEqual([`Bearer ${OTHER_TOKEN}`]);
  });

  it('a loopback --url still gets the operator token (the local host, on another port)', async () => {
    const r = await status(['--url', loopbackUrl]);
    expect(r.code).toBe(0);
    expect(r.headers.map((h) => h.authorization)).toEqual([`Bearer ${OPERATOR_TOKEN}`]);
  });
});
