import { readFileSync } from 'node:fs';
import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** How many connections the server holds at once. */
export interface ConnectionBudget {
  /** Connections served normally. */
  normal: number;
  /** Connections past `normal`, served only for health checks and the operator (ADMIN). */
  reserve: number;
  /** The fd limit it was sized from, or null when `server.max_connections` set it. */
  nofile: number | null;
}

/** Above this many connections a loopback API for one operator and its agents is under attack, not busy. */
const MAX_BUDGET = 4096;

/**
 * Sizes the connection bound from the process's open-file limit (a pure decision).
 * Every connection is a file descriptor; when the process runs out, accept() fails for
 * everyone, /healthz included (300 idle sockets under a 256-file limit did exactly that).
 * So a quarter of the limit, at least 64, stays for the host's own files (an idle host
 * holds ~28: store, WAL, pipes, epoll; agents, sandboxed commands and provider calls add
 * more), and of the rest one eighth, at least 4, is the reserve for health and the operator.
 * `configured` (server.max_connections, > 0) replaces the computed total.
 */
export function connectionBudget(nofile: number | null, configured: number): ConnectionBudget {
  const limit = nofile ?? 1024;
  const total = configured > 0 ? configured : Math.min(MAX_BUDGET, Math.max(8, limit - Math.max(64, Math.floor(limit / 4))));
  const reserve = Math.max(Math.min(4, total - 1), Math.floor(total / 8));
  return { normal: total - reserve, reserve, nofile: configured > 0 ? null : limit };
}

/** The soft RLIMIT_NOFILE from /proc/self/limits (Node has no API for it); null when unknown or unlimited. */
export function readNofileLimit(limitsText?: string): number | null {
  let text = limitsText;
  try {
    text ??= readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return null; // no /proc (a chroot without it): the caller assumes the common 1024
  }
  const soft = /^Max open files\s+(\d+)/m.exec(text)?.[1];
  return soft === undefined ? null : Number(soft);
}

export interface ConnectionGuard {
  /** Call for each request: the response now under way on its socket. */
  answering(socket: Socket, res: ServerResponse): void;
  /** True when the request arrived on a reserve connection (serve it only to health checks and ADMIN). */
  onReserve(socket: Socket): boolean;
}

/**
 * Bounds the server's connections and cuts idle ones. A connection is *idle* when no
 * answer is under way on it: still sending its headers, between keep-alive requests,
 * or only waiting for the client to read an answer already written. Answers being
 * produced (a long completion, an SSE stream, a deferred reply) are never cut here.
 *
 * - `idleTimeoutMs` without a byte either way cuts an idle connection (Node's
 *   headersTimeout and keepAliveTimeout cover the same ground more coarsely).
 * - At `normal` connections a new one evicts the oldest idle one, so sockets that
 *   hold a slot doing nothing cannot keep anyone out.
 * - When every connection is answering, up to `reserve` more are let in, and the
 *   server answers requests on them only for /healthz, /readyz and ADMIN tokens
 *   (503 NXS_ERR_TOO_MANY_CONNECTIONS for others): whoever fills the normal slots with
 *   real work still cannot lock out the supervisor's health check or the operator.
 * - Past that, a new connection is closed at once: the file limit is never reached.
 */
export function guardConnections(server: Server, budget: ConnectionBudget, idleTimeoutMs: number): ConnectionGuard {
  // Insertion order is age: eviction takes the oldest idle connection first.
  const open = new Set<Socket>();
  const reserve = new WeakSet<Socket>();
  const current = new WeakMap<Socket, ServerResponse>();
  const idle = (socket: Socket): boolean => {
    const res = current.get(socket);
    return res === undefined || res.writableEnded;
  };

  server.on('connection', (socket: Socket) => {
    if (open.size >= budget.normal) {
      let victim: Socket | undefined;
      for (const s of open) {
        if (idle(s)) {
          victim = s;
          break;
        }
      }
      if (victim) {
        victim.destroy();
        open.delete(victim);
      } else if (open.size < budget.normal + budget.reserve) {
        reserve.add(socket);
      } else {
        socket.destroy();
        return;
      }
    }
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });

  // Node destroys a socket whose timeout nobody handles; with this listener, only idle ones.
  server.timeout = idleTimeoutMs;
  server.on('timeout', (socket: Socket) => {
    if (idle(socket)) socket.destroy();
  });

  return {
    answering: (socket, res) => void current.set(socket, res),
    onReserve: (socket) => reserve.has(socket),
  };
}
