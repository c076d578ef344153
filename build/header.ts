import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface HeaderValues {
  version: string;
  arch: string;
  payloadSha256: string;
  payloadBytes: number;
  unpackedKb: number;
  loader: string;
  glibcFloor: string;
  /** The static unzstd shipped between the header and the payload. */
  helper: { bytes: number; sha256: string };
}

// The helper's two lines are plain shell values in the template (so the template
// itself stays valid, shellcheck-able sh); they are replaced whole.
const HELPER_LINES = "\nNXS_HELPER_BYTES=0\nNXS_HELPER_SHA256=''\n";

// Numbers are padded to a fixed width with trailing spaces (harmless after a
// shell assignment), so the header's own length can be written into it.
const WIDTH = 12;

/**
 * Renders nxs.sh.template; the result's byte length equals its NXS_HEADER_BYTES.
 * Line 2 carries the sha256 of everything after it, which the header checks before
 * anything else runs (a cut or altered header exits 9). The header reads that part
 * with dd in blocks of line 1 and 2's length, so a padding line at the end makes it
 * whole blocks.
 */
export function renderHeader(templateFile: string, v: HeaderValues): string {
  const raw = readFileSync(templateFile, 'utf8');
  if (!raw.includes(HELPER_LINES)) throw new Error(`${templateFile} lost its NXS_HELPER_BYTES=0 / NXS_HELPER_SHA256='' lines`);
  if (!/^[0-9a-f]{64}$/.test(v.helper.sha256) || !(v.helper.bytes > 0)) throw new Error('renderHeader: the helper needs a size above 0 and a sha256');
  const template = raw.replace(HELPER_LINES, `\nNXS_HELPER_BYTES=${v.helper.bytes}\nNXS_HELPER_SHA256='${v.helper.sha256}'\n`);
  const fill = (headerBytes: number, blocks: number, sum: string): string =>
    template
      .replace('@HEADER_SHA256@', sum)
      .replaceAll('@VERSION@', v.version)
      .replaceAll('@ARCH@', v.arch)
      .replaceAll('@PAYLOAD_SHA256@', v.payloadSha256)
      .replaceAll('@PAYLOAD_BYTES@', pad(v.payloadBytes))
      .replaceAll('@UNPACKED_KB@', pad(v.unpackedKb))
      .replaceAll('@HEADER_BYTES@', pad(headerBytes))
      .replace('@HEADER_BLOCK@', pad(block(template)))
      .replace('@HEADER_BLOCKS@', pad(blocks))
      .replaceAll('@LOADER@', v.loader)
      .replaceAll('@GLIBC_FLOOR@', v.glibcFloor);
  const zeros = '0'.repeat(64);
  const unpadded = fill(0, 0, zeros);
  const blockBytes = Buffer.byteLength(unpadded.slice(0, nthLineEnd(unpadded, 2)));
  if (blockBytes !== block(template)) throw new Error(`${templateFile}: line 2 must hold the header's sha256 and nothing after it`);
  // "#\n" at least, then spaces until what follows line 2 is whole blocks.
  const bare = Buffer.byteLength(unpadded) + 2 - blockBytes;
  const padding = '#' + ' '.repeat((blockBytes - (bare % blockBytes)) % blockBytes) + '\n';
  const length = Buffer.byteLength(unpadded) + padding.length;
  const body = fill(length, (length - blockBytes) / blockBytes, zeros) + padding;
  const sum = createHash('sha256').update(Buffer.from(body).subarray(blockBytes)).digest('hex');
  const header = body.replace(`NXS_HEADER_SHA256=${zeros}\n`, `NXS_HEADER_SHA256=${sum}\n`);
  if (Buffer.byteLength(header) !== length) throw new Error('header length changed while rendering');
  if (/@[A-Z_0-9]+@/.test(header)) throw new Error(`unrendered placeholder in ${templateFile}: ${/@[A-Z_0-9]+@/.exec(header)![0]}`);
  checkSelfCheck(header, templateFile);
  return header;
}

/** Line 1 and 2's length once the 64-digit sum is in: the dd block size. */
function block(template: string): number {
  const two = template.slice(0, nthLineEnd(template, 2)).replace('@HEADER_SHA256@', '0'.repeat(64));
  return Buffer.byteLength(two);
}

function nthLineEnd(text: string, n: number): number {
  let at = -1;
  for (let i = 0; i < n; i++) {
    at = text.indexOf('\n', at + 1);
    if (at < 0) throw new Error(`the header has fewer than ${n} lines`);
  }
  return at + 1;
}

/**
 * Line 2 is outside the sha256, so the check compares it as text with a copy in the
 * lines after it; an edit to one without the other would make every file refuse to run.
 */
function checkSelfCheck(header: string, templateFile: string): void {
  const line2 = header.split('\n')[1]!;
  const prefix = line2.slice(0, line2.lastIndexOf('='));
  const quoted = '"' + prefix.replace(/[\\"$`]/g, (c) => '\\' + c) + '"';
  if (!header.includes(`[ "$nxs_l2" = ${quoted} ]`)) throw new Error(`${templateFile}: the self-check's copy of line 2 does not match line 2`);
}

function pad(n: number): string {
  const s = String(n);
  if (s.length > WIDTH) throw new Error(`${n} does not fit the header's ${WIDTH}-digit field`);
  return s.padEnd(WIDTH, ' ');
}
