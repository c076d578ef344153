import type { Config, LoadedConfig } from '../config/load.ts';
import type { Logger } from './logger.ts';
import type { Clock } from './clock.ts';
import type { EventBus } from './events.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { SecretRedactor } from './secrets-redactor.ts';
import type { Db } from '../store/database.ts';
import type { BootLog } from '../boot/boot-log.ts';
import type { RuntimePaths } from '../runtime/paths.ts';
import type { ProfileHolder } from '../detect/profile.ts';

/**
 * The one explicit context, built once by the composition root (boot/host.ts)
 * and passed to every part. No part reads process.env or a module singleton:
 * what it needs is here, and tests build their own.
 */
export interface Context {
  readonly version: string;
  readonly config: Config;
  /** Reads the config again exactly as the host did at start (same files, env and flags): the doctor's reload_config. */
  readonly rereadConfig: () => LoadedConfig;
  /** The environment nxs was started with (for credential lookups); never logged. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: Logger;
  readonly clock: Clock;
  readonly db: Db;
  readonly events: EventBus;
  readonly paths: RuntimePaths;
  readonly redactor: SecretRedactor;
  readonly bootLog: BootLog;
  readonly lifecycle: Lifecycle;
  readonly profile: ProfileHolder;
}
