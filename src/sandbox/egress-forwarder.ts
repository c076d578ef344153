import net from 'node:net';
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

/**
 * argv[2] that makes the nxs executable run the forwarder instead of the CLI.
 * In the single file, process.execPath is the nxs binary (a SEA that always runs
 * its embedded main), so src/main.ts checks for this before loading anything else.
 */
export const FORWARDER_ROLE = '__nxs-egress-forwarder';

/** What the forwarder needs from Node, passed in so the function holds no reference to this module. */
export interface ForwarderModules {
  net: Pick<typeof net, 'createServer' | 'connect'>;
  spawn: typeof spawn;
  signals: Readonly<Record<string, number>>;
  proc: Pick<NodeJS.Process, 'stderr' | 'exit'>;
}

/**
 * Runs inside the sandbox, where the network namespace has only loopback:
 * listens on 127.0.0.1:<port> and pipes every connection to the egress proxy's
 * unix socket bound in, then runs the command and exits with its status.
 * args: SOCKET PORT -- COMMAND...
 *
 * One implementation for both layouts: the packed binary calls it directly,
 * and from source its text (Function.prototype.toString) becomes a plain
 * script run by the node binary bound in. That is why it must use nothing but
 * its parameters and globals, and no TypeScript that leaves code behind.
 */
export function forwarderMain(args: readonly string[], m: ForwarderModules): void {
  const [sock, port, sep, ...cmd] = args;
  if (sock === undefined || port === undefined || sep !== '--' || cmd.length === 0) {
    m.proc.stderr.write('forwarder: usage: SOCKET PORT -- COMMAND\n');
    m.proc.exit(2);
    return;
  }
  const server = m.net.createServer((c) => {
    const up = m.net.connect(sock);
    c.pipe(up);
    up.pipe(c);
    c.on('error', () => up.destroy());
    up.on('error', () => c.destroy());
  });
  server.on('error', (e) => {
    m.proc.stderr.write('forwarder: cannot listen on 127.0.0.1:' + port + ': ' + e.message + '\n');
    m.proc.exit(125);
  });
  server.listen(Number(port), '127.0.0.1', () => {
    const child = m.spawn(cmd[0] as string, cmd.slice(1), { stdio: 'inherit' });
    child.on('error', (e) => {
      m.proc.stderr.write('forwarder: ' + e.message + '\n');
      m.proc.exit(127);
    });
    child.on('exit', (code, signal) => m.proc.exit(code === null ? 128 + ((signal && m.signals[signal]) || 1) : code));
  });
}

/** The packed binary's entry for FORWARDER_ROLE (args after the marker). */
export function runEgressForwarder(args: readonly string[]): void {
  forwarderMain(args, { net, spawn, signals: constants.signals, proc: process });
}

/** The same function as a standalone CommonJS script for the bare node binary. */
export const FORWARDER_SOURCE = `'use strict';
(${forwarderMain.toString()})(process.argv.slice(2), { net: require('node:net'), spawn: require('node:child_process').spawn, signals: require('node:os').constants.signals, proc: process });
`;
