import { LOG_LEVELS, type LogLevel } from '../core/logger.ts';
import type { ConfigCheck } from './check.ts';
import type { ConfigSection } from './section.ts';

export const TIERS = ['minimal', 'standard', 'full'] as const;
export type TierName = (typeof TIERS)[number];

export const DEFAULT_PORT = 7878;

/** The spine's own settings. */
export interface CoreConfig {
  /** NXS_HOME: the root of runtime, data and keys. */
  home: string;
  /** The data folder: store, tokens, boot logs, identity. */
  dataDir: string;
  server: { host: string; port: number; maxBodyBytes: number };
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
    const server = check.obj(root.server, 'server', ['host', 'port', 'max_body_bytes']);
    const log = check.obj(root.log, 'log', ['level', 'pretty']);
    const store = check.obj(root.store, 'store', ['synchronous', 'busy_timeout_ms']);
    return {
      dataDir: check.optStr(root.data_dir, 'data_dir'),
      server: {
        host: check.str(server.host, 'server.host', '127.0.0.1'),
        port: check.int(server.port, 'server.port', { min: 0, max: 65535, def: DEFAULT_PORT }),
        maxBodyBytes: check.int(server.max_body_bytes, 'server.max_body_bytes', { min: 1024, max: 64 * 1024 * 1024, def: 1024 * 1024 }),
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
