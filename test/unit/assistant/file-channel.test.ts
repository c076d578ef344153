import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, watch, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { makeRig, type Rig } from './support/rig.ts';
import type { FakeClock } from '../../helpers/fake-clock.ts';
import { FileChannel, looksLikeText } from '../../../src/assistant/channels/file-channel.ts';

function addFiles(r: Rig): void {
  const ch = new FileChannel({ dir: r.ctx.config.dataDir, clock: r.ctx.clock, log: r.ctx.log, receive: (m) => r.assistant.receive(m), maxBytes: r.ctx.config.assistant.maxMessageBytes });
  r.assistant.addChannel(ch);
}

describe('looksLikeText', () => {
  it.each([
    ['plain text', Buffer.from('hello\nworld\n'), true],
    ['utf-8 text', Buffer.from('héllo wörld ✓'), true],
    ['NUL bytes', Buffer.from([0x68, 0x00, 0x69]), false],
    ['invalid utf-8', Buffer.from([0xff, 0xfe, 0xfa, 0x41]), false],
    ['control soup', Buffer.from('\x01\x02\x03\x04\x05abc'), false],
  ])('%s -> %s', (_n, buf, ok) => expect(looksLikeText(buf)).toBe(ok));
});

describe('file channel', () => {
  it('answers files found at start into outbox/, moves originals to done/, skips binary junk and refuses oversized files with a note', async () => {
    await using rig = await makeRig({ assistant: { max_message_bytes: 200 } });
    const ch = new FileChannel({ dir: rig.ctx.config.dataDir, clock: rig.ctx.clock, log: rig.ctx.log, receive: (m) => rig.assistant.receive(m), maxBytes: 200 });
    rig.assistant.addChannel(ch);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(ch.inbox, { recursive: true });
    writeFileSync(path.join(ch.inbox, 'question.txt'), 'What is 2+2?\n');
    writeFileSync(path.join(ch.inbox, 'junk.md'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01, 0x02]));
    writeFileSync(path.join(ch.inbox, 'long.txt'), 'x'.repeat(500));
    writeFileSync(path.join(ch.inbox, 'photo.jpg'), 'not for us');
    rig.fake.script({ kind: 'ok', content: 'Four.' });
    ch.start();
    await rig.settle();
    ch.stop();
    expect(readFileSync(path.join(ch.outbox, 'question.reply.md'), 'utf8')).toBe('Four.\n');
    expect(readdirSync(ch.done).sort()).toEqual(['junk.md.skipped', 'long.txt.refused', 'question.txt']);
    expect(readdirSync(ch.inbox)).toEqual(['photo.jpg']);
    expect(readFileSync(path.join(ch.outbox, 'long.error.txt'), 'utf8')).toMatch(/500 bytes; at most 200/);
    expect(rig.ctx.logLines.some((l) => l.includes('not text (binary content); skipped'))).toBe(true);
    expect(rig.fake.requests).toHaveLength(1);
  });

  it('picks up a file dropped while running (fs.watch, no polling)', async () => {
    await using rig = await makeRig({ withChannels: addFiles });
    const ch = rig.assistant.channel('files') as FileChannel;
    ch.start();
    const clock = rig.ctx.clock as FakeClock;
    const seen = watch(ch.inbox);
    const event = once(seen, 'change');
    rig.fake.script({ kind: 'ok', content: 'Got it.' });
    writeFileSync(path.join(ch.inbox, 'note.md'), 'remember to buy milk');
    await event;
    seen.close();
    // The channel waits for writes to settle (300 ms on its clock) before reading.
    await clock.timerDue(300);
    await clock.advance(300);
    await rig.settle();
    ch.stop();
    expect(existsSync(path.join(ch.outbox, 'note.reply.md'))).toBe(true);
    expect(existsSync(path.join(ch.done, 'note.md'))).toBe(true);
  });
});
