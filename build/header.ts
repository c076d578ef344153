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

/** Renders nxs.sh.template; the result's byte length equals its NXS_HEADER_BYTES. */
export function renderHeader(templateFile: string, v: HeaderValues): string {
  const raw = readFileSync(templateFile, 'utf8');
  if (!raw.includes(HELPER_LINES)) throw new Error(`${templateFile} lost its NXS_HELPER_BYTES=0 / NXS_HELPER_SHA256='' lines`);
  if (!/^[0-9a-f]{64}$/.test(v.helper.sha256) || !(v.helper.bytes > 0)) throw new Error('renderHeader: the helper needs a size above 0 and a sha256');
  const template = raw.replace(HELPER_LINES, `\nNXS_HELPER_BYTES=${v.helper.bytes}\nNXS_HELPER_SHA256='${v.helper.sha256}'\n`);
  const fill = (headerBytes: number): string =>
    template
      .replaceAll('@VERSION@', v.version)
      .replaceAll('@ARCH@', v.arch)
      .replaceAll('@PAYLOAD_SHA256@', v.payloadSha256)
      .replaceAll('@PAYLOAD_BYTES@', pad(v.payloadBytes))
      .replaceAll('@UNPACKED_KB@', pad(v.unpackedKb))
      .replaceAll('@HEADER_BYTES@', pad(headerBytes))
      .replaceAll('@LOADER@', v.loader)
      .replaceAll('@GLIBC_FLOOR@', v.glibcFloor);
  const length = Buffer.byteLength(fill(0));
  const header = fill(length);
  if (Buffer.byteLength(header) !== length) throw new Error('header length changed while rendering');
  if (/@[A-Z_]+@/.test(header)) throw new Error(`unrendered placeholder in ${templateFile}: ${/@[A-Z_]+@/.exec(header)![0]}`);
  return header;
}

function pad(n: number): string {
  const s = String(n);
  if (s.length > WIDTH) throw new Error(`${n} does not fit the header's ${WIDTH}-digit field`);
  return s.padEnd(WIDTH, ' ');
}
