import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { addFact, forgetFacts, parseMemory, renderMemory, compact } from '../../../src/assistant/identity/memory-facts.ts';
import { MemoryFile } from '../../../src/assistant/identity/memory-file.ts';
import { IdentityReader, seedIdentity } from '../../../src/assistant/identity/identity-files.ts';
import { buildSystemPrompt, capText } from '../../../src/assistant/identity/system-prompt.ts';
import { makeTestContext } from '../../helpers/test-context.ts';

const HEAD = '# Memory\n\nIntro.\n';

describe('memory facts', () => {
  it('round-trips a file with header, facts and a trim marker', () => {
    const text = `${HEAD}\n- (earlier facts trimmed: 3)\n- [2026-01-01] a\n- b\n`;
    expect(renderMemory(parseMemory(text))).toBe(text);
  });

  it.each([
    ['adds a new fact at the end', ['a', 'b'], 'c', ['a', 'b', 'c'], true],
    ['dedupes ignoring case, spacing and a full stop, moving it last', ['Cat is Tom.', 'b'], 'cat  is tom', ['b', 'cat  is tom'], false],
  ])('%s', (_n, before, fact, after, added) => {
    const doc = parseMemory(HEAD + '\n' + before.map((f) => `- ${f}`).join('\n'));
    const r = addFact(doc, fact, '2026-02-02', 10_000);
    expect(r.doc.facts.map((f) => f.text)).toEqual(after);
    expect(r.added).toBe(added);
  });

  it('trims the oldest facts to the budget, deterministically, counting them in one marker', () => {
    let doc = parseMemory(HEAD);
    for (let i = 0; i < 50; i++) doc = addFact(doc, `fact number ${i}`, '2026-01-01', 400).doc;
    const text = renderMemory(doc);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(400);
    expect(doc.facts.at(-1)!.text).toBe('fact number 49');
    expect(text).toMatch(/- \(earlier facts trimmed: \d+\)/);
    expect(doc.trimmed + doc.facts.length).toBe(50);
    expect(renderMemory(compact(parseMemory(text), 400).doc)).toBe(text);
  });

  it('forgets facts containing a phrase', () => {
    const r = forgetFacts(parseMemory(HEAD + '\n- the cat is Tom\n- the dog is Rex\n'), 'CAT');
    expect(r.removed).toEqual(['the cat is Tom']);
    expect(r.doc.facts.map((f) => f.text)).toEqual(['the dog is Rex']);
  });
});

describe('MemoryFile', () => {
  it('adds and forgets with atomic writes; refuses empty facts and unknown forgets with coded errors', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nxs-mem-'));
    try {
      const m = new MemoryFile(dir, { budgetBytes: 4096, shippedDefault: HEAD });
      m.add('likes tea', new Date('2026-03-04T00:00:00Z'));
      expect(readFileSync(path.join(dir, 'MEMORY.md'), 'utf8')).toBe(`${HEAD}\n- [2026-03-04] likes tea\n`);
      expect(() => m.add('  ', new Date())).toThrow(expect.objectContaining({ code: 'NXS_ERR_MEMORY_INVALID' }));
      expect(() => m.forget('coffee')).toThrow(expect.objectContaining({ code: 'NXS_ERR_MEMORY_INVALID' }));
      expect(m.forget('tea')).toEqual(['likes tea']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('identity files', () => {
  it('copies shipped defaults only where missing, never over the user\'s edits', async () => {
    await using ctx = await makeTestContext();
    const dir = path.join(ctx.dir, 'identity');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'SOUL.md'), 'my own soul');
    expect(seedIdentity(dir, ctx.paths.identityDir, ctx.log)).toEqual(['MEMORY.md']);
    expect(readFileSync(path.join(dir, 'SOUL.md'), 'utf8')).toBe('my own soul');
  });

  it('falls back to the shipped default when the file is unreadable, and says so once', async () => {
    await using ctx = await makeTestContext();
    const dir = path.join(ctx.dir, 'identity');
    mkdirSync(dir);
    const damaged: [string, string][] = [];
    const reader = new IdentityReader(dir, ctx.paths.identityDir, ctx.log, (file, reason) => damaged.push([file, reason]));
    expect(reader.read('SOUL.md').source).toBe('shipped');
    expect(reader.read('SOUL.md').text).toContain('You are **nxs**');
    expect(ctx.logLines.filter((l) => l.includes('identity file missing or unreadable'))).toHaveLength(1);
    // Said once to the host too, which raises NXS_ERR_IDENTITY_DAMAGED for the doctor's identity-damaged rule.
    expect(damaged).toEqual([['SOUL.md', 'ENOENT']]);
    writeFileSync(path.join(dir, 'SOUL.md'), 'v1');
    expect(reader.read('SOUL.md')).toEqual({ text: 'v1', source: 'data' });
    // Unreadable (a folder where the file should be, EISDIR even for root): the shipped default again.
    rmSync(path.join(dir, 'SOUL.md'));
    mkdirSync(path.join(dir, 'SOUL.md'));
    expect(reader.read('SOUL.md').source).toBe('shipped');
  });

  it('caps the soul and the memory (newest kept) in the system prompt', () => {
    const p = buildSystemPrompt({ soul: 'S'.repeat(1000), memory: 'old\n' + 'M'.repeat(900) + '\nnewest', soulMaxBytes: 300, memoryMaxBytes: 200, now: new Date(0), conversationId: 'main', trusted: true, canRemember: true });
    expect(p).toContain('[…cut to fit the size cap]');
    expect(p).toContain('newest');
    expect(p).not.toContain('old\n');
    expect(capText('héllo', 2)).toBe('h\n[…cut to fit the size cap]');
  });
});
