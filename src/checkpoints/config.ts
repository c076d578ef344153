import path from 'node:path';
import type { ConfigSection } from '../config/section.ts';

export interface CheckpointsConfig {
  /** 32-byte AES key as 64 hex characters or base64; wins over NXS_CHECKPOINT_KEY and the key file. */
  key: string | undefined;
  /** Key file; default <home>/keys/checkpoint.key, generated 0600 at first start. Relative paths are from home. */
  keyFile: string | undefined;
  /** Where checkpoint files live; default <data>/checkpoints. */
  dir: string | undefined;
}

export const checkpointsSection: ConfigSection<CheckpointsConfig> = {
  keys: ['checkpoints'],
  parse(root, check) {
    const c = check.obj(root.checkpoints, 'checkpoints', ['key', 'key_file', 'dir']);
    const key = check.optStr(c.key, 'checkpoints.key');
    if (key !== undefined && !/^[0-9a-fA-F]{64}$/.test(key) && Buffer.from(key, 'base64').length !== 32) {
      check.fail('checkpoints.key', '32 bytes as 64 hex characters or base64', '(a value of the wrong length; not shown)');
    }
    const keyFile = check.optStr(c.key_file, 'checkpoints.key_file');
    const dir = check.optStr(c.dir, 'checkpoints.dir');
    return { key, keyFile, dir: dir === undefined ? undefined : path.resolve(dir) };
  },
};
