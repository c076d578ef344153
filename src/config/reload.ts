import type { Logger } from '../core/logger.ts';
import type { Config, LoadedConfig } from './load.ts';

/**
 * What a running host applies when its config is reloaded (the doctor's reload_config).
 * Only the log level: every other part copied its settings when it started (the fallback
 * chain, the queue's lanes, the server's limits), and swapping them under a running part
 * is a rewrite of that part, not a reload. Those changes are named as needing a restart.
 * Two things people expect here need no reload: the identity files (SOUL.md, MEMORY.md) are
 * read again at each message once their mtime changes (assistant/identity/identity-files.ts),
 * and scheduled tasks live in the store (`nxs tasks`), not in the config.
 */
export const LIVE_SETTINGS = ['log.level'] as const;

export interface ReloadReport {
  files: string[];
  /** Settings now in effect, as `key: old -> new`. */
  applied: string[];
  /** Settings whose new value waits for the next start (names only: a value may be a secret). */
  needsRestart: string[];
}

const snake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * Pure: the settings that differ between two configs, by top-level key (`providers`, `server`,
 * `data_dir`), with `log` split into `log.level` and the rest so the live part stands alone.
 */
export function changedSettings(before: Config, after: Config): string[] {
  const changed: string[] = [];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)] as (keyof Config)[]);
  for (const key of keys) {
    if (key === 'log') {
      if (before.log.level !== after.log.level) changed.push('log.level');
      if (JSON.stringify({ ...before.log, level: null }) !== JSON.stringify({ ...after.log, level: null })) changed.push('log.pretty');
    } else if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) changed.push(key === 'home' ? 'NXS_HOME' : snake(key));
  }
  return changed.sort();
}

/**
 * Applies what can be applied live and names the rest. `started` is the config the host
 * started with (what every part runs on), so a change still waiting for a restart is named
 * again at the next reload; the log level is compared with the logger's own, which a reload changes.
 */
export function applyReload(started: Config, next: LoadedConfig, log: Logger): ReloadReport {
  const applied: string[] = [];
  if (log.level !== next.config.log.level) {
    applied.push(`log.level: ${log.level} -> ${next.config.log.level}`);
    // Children made with log.child() follow: they inherit the level unless they set their own.
    log.level = next.config.log.level;
  }
  const needsRestart = changedSettings(started, next.config).filter((k) => !(LIVE_SETTINGS as readonly string[]).includes(k));
  return { files: next.files, applied, needsRestart };
}

/** The doctor's one line. */
export function describeReload(r: ReloadReport): string {
  const from = `config re-read from ${r.files.join(', ') || 'the built-in defaults'}`;
  const applied = r.applied.length ? `applied ${r.applied.join(', ')}` : 'nothing to apply live';
  const restart = r.needsRestart.length ? `; changed but needs a restart to take effect: ${r.needsRestart.join(', ')}` : '';
  return `${from}: ${applied}${restart}`;
}
