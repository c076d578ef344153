import { NxsError } from '../core/errors.ts';

/**
 * SHA256SUMS as sha256sum writes it: `<64 hex>  <name>` (or ` *<name>` for
 * binary mode), one per line. Returns name -> lowercase hex; a malformed line
 * or a name listed twice is an error naming the line.
 */
export function parseSums(text: string, source: string): Map<string, string> {
  const sums = new Map<string, string>();
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (!line.trim()) return;
    const m = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line);
    if (!m) {
      throw new NxsError('NXS_ERR_VERIFY_INPUT', `${source}:${i + 1} is not a sha256sum line (expected "<64 hex digits>  <file name>"); got ${JSON.stringify(line.slice(0, 80))}`, { line: i + 1 });
    }
    const name = m[2]!;
    if (sums.has(name)) throw new NxsError('NXS_ERR_VERIFY_INPUT', `${source}:${i + 1} lists ${name} a second time`, { line: i + 1 });
    sums.set(name, m[1]!.toLowerCase());
  });
  if (sums.size === 0) throw new NxsError('NXS_ERR_VERIFY_INPUT', `${source} lists no files`);
  return sums;
}

/** The lines `formatSums` writes are exactly what `sha256sum -c` reads. */
export function formatSums(entries: ReadonlyArray<readonly [name: string, sha256: string]>): string {
  return [...entries].sort(([a], [b]) => a.localeCompare(b)).map(([n, h]) => `${h}  ${n}\n`).join('');
}
