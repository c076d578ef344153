import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { renderHeader } from '../../../build/header.ts';
import { REPO_ROOT } from '../../helpers/test-context.ts';

const values = { version: '1.2.3', arch: 'x64', payloadSha256: 'a'.repeat(64), payloadBytes: 123456, unpackedKb: 999, loader: 'ld-linux-x86-64.so.2', glibcFloor: '2.34', helper: { bytes: 4096, sha256: 'b'.repeat(64) } };

describe('the sh header', () => {
  it('renders with its own exact byte length and no placeholders left', () => {
    const header = renderHeader(path.join(REPO_ROOT, 'nxs.sh.template'), values);
    const m = /^NXS_HEADER_BYTES=(\d+)\s*$/m.exec(header);
    expect(Number(m![1])).toBe(Buffer.byteLength(header));
    expect(header).not.toMatch(/@[A-Z_]+@/);
    expect(header.startsWith('#!/bin/sh\n')).toBe(true);
    expect(header).toContain(`\nNXS_HELPER_BYTES=4096\nNXS_HELPER_SHA256='${'b'.repeat(64)}'\n`);
  });

  it('carries the sha256 of everything after line 2, which is whole dd blocks of line 1 and 2', () => {
    const header = Buffer.from(renderHeader(path.join(REPO_ROOT, 'nxs.sh.template'), values));
    const text = header.toString();
    const block = Number(/ bs=(\d+) +skip=1 count=(\d+) /.exec(text)![1]);
    const blocks = Number(/ bs=\d+ +skip=1 count=(\d+) /.exec(text)![1]);
    const lines = text.split('\n');
    expect(block).toBe(Buffer.byteLength(`${lines[0]}\n${lines[1]}\n`));
    expect(header.length).toBe(block * (blocks + 1));
    expect(lines[1]).toMatch(/;NXS_HEADER_SHA256=[0-9a-f]{64}$/);
    expect(lines[1]!.slice(-64)).toBe(createHash('sha256').update(header.subarray(block)).digest('hex'));
  });

  it('refuses a template whose self-check no longer matches its line 2', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nxs-hdr-'));
    const broken = path.join(dir, 'nxs.sh.template');
    writeFileSync(broken, readFileSync(path.join(REPO_ROOT, 'nxs.sh.template'), 'utf8').replace('is cut short or damaged%s;', 'is damaged%s;'));
    expect(() => renderHeader(broken, values)).toThrow(/self-check's copy of line 2 does not match line 2/);
  });

  it('refuses to render without a helper to ship', () => {
    expect(() => renderHeader(path.join(REPO_ROOT, 'nxs.sh.template'), { ...values, helper: { bytes: 0, sha256: '' } })).toThrow(/helper needs a size above 0/);
  });

  it('is valid sh for dash, bash and busybox ash, and shellcheck-clean', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nxs-hdr-'));
    const file = path.join(dir, 'h.sh');
    writeFileSync(file, renderHeader(path.join(REPO_ROOT, 'nxs.sh.template'), values));
    for (const sh of [['dash', '-n'], ['bash', '-n'], ['busybox', 'sh', '-n']]) {
      execFileSync(sh[0]!, [...sh.slice(1), file]);
    }
    execFileSync('shellcheck', ['-s', 'sh', path.join(REPO_ROOT, 'nxs.sh.template')]);
  });

  it('prints its own info without touching a payload', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nxs-hdr-'));
    const file = path.join(dir, 'h.sh');
    writeFileSync(file, renderHeader(path.join(REPO_ROOT, 'nxs.sh.template'), values));
    const out = execFileSync('sh', [file, '--nxs-info'], { env: { PATH: '/usr/bin:/bin', HOME: dir } }).toString();
    expect(out).toContain('version   1.2.3');
    expect(out).toContain(`sha256    ${'a'.repeat(64)}`);
  });
});
