import type http from 'node:http';
import net from 'node:net';
import { chmodSync } from 'node:fs';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import { errorMessage } from '../core/errors.ts';
import type { AuditTrail } from '../supervisor/types.ts';
import { decideEgress, isSensitiveAddress, type EgressDecision, type EgressOverride, type EgressRule } from './egress-policy.ts';
import { isIP } from 'node:net';
import { randomBytes } from 'node:crypto';
import { makeRunDir, type RunDir } from './run-dir.ts';

export interface EgressProxyDeps {
  clock: Clock;
  log: Logger;
  audit: AuditTrail;
  allow: () => readonly EgressRule[];
  overrides: () => readonly EgressOverride[];
  /** The temp root the sockets' folder is made in (see run-dir.ts). */
  tmp: string;
}

export interface EgressSession {
  /** `http://127.0.0.1:<port>` (tcp sessions) for undici's ProxyAgent. */
  url?: string;
  /** The unix socket to bind into a sandbox (unix sessions). */
  socketPath?: string;
  close(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * nxs's own HTTP proxy, the only way out of a sandbox: CONNECT host:port for
 * TLS and absolute-form requests for plain HTTP. One listener per session
 * (one sandbox run or one http_fetch), so every decision is audited against
 * the agent that asked. Default deny; a name on the allowlist that resolves to
 * loopback, unspecified or link-local (metadata) addresses is refused too.
 */
export class EgressProxy {
  private readonly deps: EgressProxyDeps;
  private readonly dir: RunDir;

  constructor(deps: EgressProxyDeps) {
    this.deps = deps;
    // 0711: the sandbox user (another uid when nxs is root) can reach a socket by its exact name, not list the folder.
    this.dir = makeRunDir(deps.tmp, 'nxs-egress-');
  }

  async openSession(who: { agentId: string; principal: string }, listen: 'unix' | 'tcp'): Promise<EgressSession> {
    const sockets = new Set<Duplex>();
    const server = process.getBuiltinModule('node:http').createServer((req, res) => void this.forward(who, req, res));
    server.on('connect', (req: http.IncomingMessage, client: Duplex, head: Buffer) => void this.tunnel(who, req, client, head, sockets));
    server.on('connection', (s: net.Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    const close = (): Promise<void> =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      });
    if (listen === 'unix') {
      // Unguessable: the folder cannot be listed, so only a process told the name finds the socket.
      const socketPath = path.join(this.dir.path, `${randomBytes(12).toString('hex')}.sock`);
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(socketPath, () => resolve()));
      chmodSync(socketPath, 0o666);
      return { socketPath, close };
    }
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as net.AddressInfo).port;
    return { url: `http://127.0.0.1:${port}`, close };
  }

  /** The decision for one target, audited when denied (allowed connections are audited by the caller's tool record). */
  async decide(who: { agentId: string; principal: string }, host: string, port: number, how: string): Promise<{ decision: EgressDecision; address?: string }> {
    const d = decideEgress(host, port, this.deps.allow(), this.deps.overrides(), this.deps.clock.now());
    if (!d.allowed) return this.deny(who, host, port, how, d.reason);
    let address: string;
    try {
      address = isIP(host.replace(/^\[|\]$/g, '')) ? host.replace(/^\[|\]$/g, '') : (await process.getBuiltinModule('node:dns/promises').lookup(host)).address;
    } catch (err) {
      return { decision: { allowed: false, reason: `${host} does not resolve (${errorMessage(err)})` } };
    }
    if (!isIP(host.replace(/^\[|\]$/g, '')) && isSensitiveAddress(address)) {
      return this.deny(who, host, port, how, `${host} resolves to ${address}, a local or metadata address; list the IP itself to allow it`);
    }
    if (d.via === 'override') {
      // Exceptions leave a trace each time they are used, not only when granted.
      this.deps.audit.record({ agent_id: who.agentId, operation_type: 'egress.connect', allowed: true, principal: who.principal, details: { host, port, via: how, override: d.rule } });
      this.deps.log.warn({ agent_id: who.agentId, host, port, rule: d.rule }, 'egress allowed by an override');
    }
    return { decision: d, address };
  }

  /** Removes the sockets' folder (the host's stop; sessions still open have been closed by then). */
  close(): void {
    this.dir.dispose();
  }

  private deny(who: { agentId: string; principal: string }, host: string, port: number, how: string, reason: string): { decision: EgressDecision } {
    this.deps.audit.record({ agent_id: who.agentId, operation_type: 'egress.connect', allowed: false, principal: who.principal, details: { host, port, via: how, reason } });
    this.deps.log.info({ agent_id: who.agentId, host, port, via: how }, 'egress denied');
    return { decision: { allowed: false, reason } };
  }

  private async tunnel(who: { agentId: string; principal: string }, req: http.IncomingMessage, client: Duplex, head: Buffer, sockets: Set<Duplex>): Promise<void> {
    client.on('error', () => client.destroy());
    const target = parseAuthority(req.url ?? '');
    if (!target) return refuse(client, 400, 'CONNECT needs host:port');
    const { decision, address } = await this.decide(who, target.host, target.port, 'connect');
    if (!decision.allowed) return refuse(client, 403, decision.reason);
    const upstream = net.connect({ host: address!, port: target.port, timeout: CONNECT_TIMEOUT_MS });
    sockets.add(upstream);
    upstream.once('connect', () => {
      upstream.setTimeout(0);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.once('timeout', () => upstream.destroy(new Error('connect timeout')));
    upstream.once('error', (err) => {
      if (!client.destroyed && upstream.bytesRead === 0) refuse(client, 502, `cannot reach ${target.host}:${target.port}: ${errorMessage(err)}`);
      else client.destroy();
    });
    upstream.once('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
    client.once('close', () => upstream.destroy());
  }

  private async forward(who: { agentId: string; principal: string }, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
      if (url.protocol !== 'http:') throw new Error('scheme');
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('nxs egress proxy: send absolute http:// URLs, or CONNECT host:port for TLS\n');
      return;
    }
    const port = Number(url.port || 80);
    const { decision, address } = await this.decide(who, url.hostname, port, 'forward');
    if (!decision.allowed) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end(`nxs egress proxy: denied: ${decision.reason}\n`);
      return;
    }
    const up = process.getBuiltinModule('node:http').request({ host: address, port, method: req.method, path: url.pathname + url.search, headers: endToEnd(req.headers), agent: false, timeout: CONNECT_TIMEOUT_MS }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, endToEnd(upRes.headers));
      upRes.pipe(res);
    });
    up.on('timeout', () => up.destroy(new Error('timeout')));
    up.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`nxs egress proxy: ${errorMessage(err)}\n`);
      else res.destroy();
    });
    req.pipe(up);
  }
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** Headers minus the hop-by-hop ones (RFC 9110 §7.6.1): each side of the proxy manages its own connection. */
function endToEnd(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  return out;
}

function parseAuthority(text: string): { host: string; port: number } | null {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s/]+):(\d{1,5})$/.exec(text);
  if (!m) return null;
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

function refuse(client: Duplex, status: number, reason: string): void {
  const body = `nxs egress proxy: ${reason}\n`;
  client.end(`HTTP/1.1 ${status} ${process.getBuiltinModule('node:http').STATUS_CODES[status]}\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}
