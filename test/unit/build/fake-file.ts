// A small single file built exactly like dist/nxs (the real template, the real
// static unzstd, a real tar.zst payload), around a fake runtime whose bin/nxs is
// a shell script: the header's behaviour can be tested in milliseconds instead
// of after a two-minute build.

import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { renderHeader } from '../../../build/header.ts';
import { staticUnzstdFor } from '../../../build/zstd-helper.ts';
import { compress, sizeKb } from '../../../build/payload.ts';
import { REPO_ROOT } from '../../helpers/test-context.ts';

export interface FakeFile {
  file: string;
  headerBytes: number;
  helperBytes: number;
  payloadBytes: number;
  payloadSha256: string;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

const ECHO_ARGS = '#!/bin/sh\necho "fake-nxs runtime=$NXS_RUNTIME_DIR args=$*"\n';

/** Writes <dir>/nxs: header + static unzstd + tar.zst of a runtime whose bin/nxs is `binScript` (by default it prints its arguments). */
export function buildFakeFile(dir = mkdtempSync(path.join(tmpdir(), 'nxs-fake-')), binScript = ECHO_ARGS): FakeFile {
  const rt = path.join(dir, 'runtime');
  mkdirSync(path.join(rt, 'bin'), { recursive: true });
  writeFileSync(path.join(rt, 'bin/nxs'), binScript);
  chmodSync(path.join(rt, 'bin/nxs'), 0o755);
  // Incompressible bulk (a fixed pseudo-random sequence), so the payload spans several zstd blocks.
  let x = 12345;
  writeFileSync(path.join(rt, 'bulk.bin'), Buffer.from(Array.from({ length: 400_000 }, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 24))));
  const payloadFile = path.join(dir, 'payload.tar.zst');
  compress(rt, payloadFile, '-3');
  const payload = readFileSync(payloadFile);
  const helper = readFileSync(staticUnzstdFor(REPO_ROOT, 'x64'));
  const header = renderHeader(path.join(REPO_ROOT, 'nxs.sh.template'), {
    version: '9.9.9',
    arch: 'x64',
    payloadSha256: sha(payload),
    payloadBytes: payload.length,
    unpackedKb: sizeKb(rt),
    loader: '',
    glibcFloor: '2.34',
    helper: { bytes: helper.length, sha256: sha(helper) },
  });
  const file = path.join(dir, 'nxs');
  writeFileSync(file, Buffer.concat([Buffer.from(header), helper, payload]));
  chmodSync(file, 0o755);
  return { file, headerBytes: Buffer.byteLength(header), helperBytes: helper.length, payloadBytes: payload.length, payloadSha256: sha(payload) };
}

/** Flips one byte of `file` at `offset`. */
export function flipByte(file: string, offset: number): void {
  const b = readFileSync(file);
  b[offset] = b[offset]! ^ 0xff;
  writeFileSync(file, b);
}

