import { readFileSync } from 'node:fs';

export interface HeaderValues {
  version: string;
  arch: string;
  payloadSha256: string;
  payloadBytes: number;
  unpackedKb: number;
  loader: string;
  glibcFloor: string;
}

// Numbers are padded to a fixed width with trailing spaces (harmless after a
// shell assignment), so the header's own length can be written into it.
const WIDTH = 12;

/** Renders nxs.sh.template; the result's byte length equals its NXS_HEADER_BYTES. */
export function renderHeader(templateFile: string, v: HeaderValues): string {
  const template = readFileSync(templateFile, 'utf8');
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
