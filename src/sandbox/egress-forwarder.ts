import { mkdtempSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Runs inside the sandbox, where the network namespace has only loopback:
 * listens on 127.0.0.1:<port> and pipes every connection to the egress
 * proxy's unix socket bound in, then runs the command and exits with its
 * status. Plain JavaScript with builtins only, because it runs under the bare
 * node binary bound read-only into the sandbox.
 */
export const FORWARDER_SOURCE = `'use strict';
const net = require('node:net');
const { spawn } = require('node:child_process');
const [sock, port, sep, ...cmd] = process.argv.slice(2);
if (sep !== '--' || cmd.length === 0) { process.stderr.write('forwarder: usage: SOCKET PORT -- COMMAND\\n'); process.exit(2); }
const server = net.createServer((c) => {
  const up = net.connect(sock);
  c.pipe(up); up.pipe(c);
  c.on('error', () => up.destroy()); up.on('error', () => c.destroy());
});
server.listen(Number(port), '127.0.0.1', () => {
  const child = spawn(cmd[0], cmd.slice(1), { stdio: 'inherit' });
  child.on('error', (e) => { process.stderr.write('forwarder: ' + e.message + '\\n'); process.exit(127); });
  child.on('exit', (code, signal) => process.exit(code === null ? 128 + (require('node:os').constants.signals[signal] || 1) : code));
});
`;

/** Writes the forwarder to a private file any uid may read (it holds no secret). */
export function writeForwarder(): { script: string; dispose(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'nxs-fwd-'));
  chmodSync(dir, 0o711);
  const script = path.join(dir, 'forwarder.cjs');
  writeFileSync(script, FORWARDER_SOURCE, { mode: 0o644 });
  return { script, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
