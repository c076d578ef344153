import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { NxsError, errorMessage, systemErrorCode } from '../core/errors.ts';

/**
 * The largest config file nxs reads. The shipped defaults are a few hundred bytes and a full
 * config with a providers chain a few KiB; 1 MiB leaves room for comments without letting a
 * `--config /dev/zero` or a runaway generated file fill memory (it grew at 350 MB/s unbounded).
 */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * The text of a config file, or null when it does not exist and need not.
 * Only a regular file under the bound is read: the file is opened without
 * blocking (so a FIFO with no writer cannot hang the start) and checked with
 * fstat on the very descriptor that is read, so a swap between a check and
 * the read is not possible. At most MAX_CONFIG_BYTES + 1 bytes are ever read.
 */
export function readConfigText(file: string, mustExist: boolean, maxBytes = MAX_CONFIG_BYTES): string | null {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    if (!mustExist && systemErrorCode(err) === 'ENOENT') return null;
    throw new NxsError('NXS_ERR_CONFIG_UNREADABLE', `cannot read config file ${file}: ${errorMessage(err)}`, { file });
  }
  try {
    const kind = fileKind(fstatSync(fd));
    if (kind !== 'regular file') {
      throw new NxsError('NXS_ERR_CONFIG_UNREADABLE', `config file ${file} is a ${kind}, not a regular file; give the path of a YAML file`, { file, kind });
    }
    const buf = Buffer.allocUnsafe(maxBytes + 1);
    let size = 0;
    // The size fstat reports is not trusted (/proc files say 0, a file may grow): read until
    // end of file or one byte past the bound, which is enough to know it is too large.
    for (let n = -1; n !== 0 && size <= maxBytes; size += n) n = readSync(fd, buf, size, maxBytes + 1 - size, null);
    if (size > maxBytes) {
      throw new NxsError('NXS_ERR_CONFIG_UNREADABLE', `config file ${file} is larger than ${maxBytes} bytes; a config is a small YAML file`, { file, maxBytes });
    }
    return buf.toString('utf8', 0, size);
  } catch (err) {
    if (err instanceof NxsError) throw err;
    throw new NxsError('NXS_ERR_CONFIG_UNREADABLE', `cannot read config file ${file}: ${errorMessage(err)}`, { file });
  } finally {
    closeSync(fd);
  }
}

function fileKind(st: Stats): string {
  if (st.isFile()) return 'regular file';
  if (st.isDirectory()) return 'directory';
  if (st.isFIFO()) return 'FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'character device';
  if (st.isBlockDevice()) return 'block device';
  if (st.isSocket()) return 'socket';
  return 'special file';
}
