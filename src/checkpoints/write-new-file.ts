import { closeSync, fsyncSync, linkSync, openSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { NxsError, errorMessage, systemErrorCode } from '../core/errors.ts';

/**
 * Writes a file that must not exist yet, whole or not at all: a temp file in the
 * same folder, fsync, then link(2) to the final name, which fails with EEXIST
 * instead of replacing (rename(2) would have overwritten an existing
 * checkpoint, which is how a re-import once lost the operator's file).
 */
export function writeNewFile(file: string, data: Uint8Array, mode: number, onExists: () => NxsError): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', mode);
  try {
    try {
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    linkSync(tmp, file);
  } catch (err) {
    if (systemErrorCode(err) === 'EEXIST') throw onExists();
    throw new NxsError('NXS_ERR_DATA_DIR', `cannot write ${file}: ${errorMessage(err)}`);
  } finally {
    rmSync(tmp, { force: true });
  }
}
