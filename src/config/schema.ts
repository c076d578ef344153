import { LOG_LEVELS, type LogLevel } from '../core/logger.ts';
import type { ConfigCheck } from './check.ts';
import type { ConfigSection } from './section.ts';

export const TIERS = ['minimal', 'standard', 'full'] as const;
export type TierName = (typeof TIERS)[number];

export const DEFAULT_PORT = 7878;

/** How long a connection may take and how many there may be (src/http/connection-guard.ts). */
export interface ServerLimits {
  /** Until a request's headers are complete. */
  headersTimeoutMs: number;
  /** Until a request (headers and body) is received; answers, streams included, are not bound by it. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** A connection with no answer under way and no byte either way is closed after this. */
  idleTimeoutMs: number;
  /** Connections held at once; 0 sizes the bound from the open-file limit. */
  maxConnections: number;
}

/** The spine's own settings. */
export interface CoreConfig {
  /** NXS_HOME: the root of runtime, data and keys. */
  home: string;
  /** The data folder: store, tokens, boot logs, identity. */
  dataDir: string;
  server: { host: string; port: number; maxBodyBytes: number } & ServerLimits;
  log: { level: LogLevel; pretty: 'auto' | 'always' | 'never' };
  store: { synchronous: 'normal' | 'full'; busyTimeoutMs: number };
  /** `auto` lets detection choose; a name forces that tier. */
  tier: 'auto' | TierName;
  /** The operator's token (ADMIN); when unset one is generated into the data folder. */
  apiToken: string | undefined;
  shutdownTimeoutMs: number;
}

export const coreSection: ConfigSection<Omit<CoreConfig, 'home' | 'dataDir'> & { dataDir: string | undefined }> = {
  keys: ['server', 'data_dir', 'log', 'store', 'tier', 'api_token', 'shutdown_timeout_ms'],
  parse(root, check: ConfigCheck) {
    const server = check.obj(root.server, 'server', ['host', 'port', 'max_body_bytes', 'headers_timeout_ms', 'request_timeout_ms', 'keep_alive_timeout_ms', 'idle_timeout_ms', 'max_connections']);
    const headersTimeoutMs = check.int(server.headers_timeout_ms, 'server.headers_timeout_ms', { min: 100, max: 600_000, def: 20_000 });
    // Node refuses a headers timeout longer than the request timeout it is part of.
    const requestTimeoutMs = check.int(server.request_timeout_ms, 'server.request_timeout_ms', { min: headersTimeoutMs, max: 3_600_000, def: Math.max(headersTimeoutMs, 120_000) });
    const log = check.obj(root.log, 'log', ['level', 'pretty']);
    const store = check.obj(root.store, 'store', ['synchronous', 'busy_timeout_ms']);
    return {
      dataDir: check.optStr(root.data_dir, 'data_dir'),
      server: {
        host: check.str(server.host, 'server.host', '127.0.0.1'),
        port: check.int(server.port, 'server.port', { min: 0, max: 65535, def: DEFAULT_PORT }),
        maxBodyBytes: check.int(server.max_body_bytes, 'server.max_body_bytes', { min: 1024, max: 64 * 1024 * 1024, def: 1024 * 1024 }),
        headersTimeoutMs,
        requestTimeoutMs,
        keepAliveTimeoutMs: check.int(server.keep_alive_timeout_ms, 'server.keep_alive_timeout_ms', { min: 100, max: 600_000, def: 5000 }),
        idleTimeoutMs: check.int(server.idle_timeout_ms, 'server.idle_timeout_ms', { min: 100, max: 3_600_000, def: 60_000 }),
        maxConnections: check.int(server.max_connections, 'server.max_connections', { min: 0, max: 65_536, def: 0 }),
      },
      log: {
        level: check.oneOf(log.level, 'log.level', LOG_LEVELS, 'info'),
        pretty: check.oneOf(log.pretty, 'log.pretty', ['auto', 'always', 'never'] as const, 'auto'),
      },
      store: {
        synchronous: check.oneOf(store.synchronous, 'store.synchronous', ['normal', 'full'] as const, 'normal'),
        busyTimeoutMs: check.int(store.busy_timeout_ms, 'store.busy_timeout_ms', { min: 0, max: 600_000, def: 5000 }),
      },
      tier: check.oneOf(root.tier, 'tier', ['auto', ...TIERS] as const, 'auto'),
      apiToken: check.optStr(root.api_token, 'api_token'),
      shutdownTimeoutMs: check.int(root.shutdown_timeout_ms, 'shutdown_timeout_ms', { min: 100, max: 60_000, def: 2000 }),
    };
  },
};
