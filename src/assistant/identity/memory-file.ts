import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { NxsError, systemErrorCode } from '../../core/errors.ts';
import { writeFileAtomic } from '../../runtime/atomic-write.ts';
import { addFact, forgetFacts, parseMemory, renderMemory, validateFact, type MemoryDoc } from './memory-facts.ts';

/**
 * MEMORY.md on disk. Every change is read-modify-write with an atomic rename,
 * so a reader (the prompt builder, `nxs memory show`) sees the old file or the
 * new one, never half; the CLI uses this same class with no host running.
 */
export class MemoryFile {
  readonly file: string;
  private readonly fallback: string;
  private readonly budgetBytes: number;

  constructor(identityDir: string, opts: { budgetBytes: number; shippedDefault: string }) {
    this.file = path.join(identityDir, 'MEMORY.md');
    this.budgetBytes = opts.budgetBytes;
    this.fallback = opts.shippedDefault;
  }

  read(): string {
    try {
      return readFileSync(this.file, 'utf8');
    } catch (err) {
      if (systemErrorCode(err) === 'ENOENT') return this.fallback;
      throw err;
    }
  }

  facts(): MemoryDoc['facts'] {
    return parseMemory(this.read()).facts;
  }

  add(raw: string, now: Date): { added: boolean; dropped: number; text: string } {
    const v = validateFact(raw);
    if (!v.ok) throw new NxsError('NXS_ERR_MEMORY_INVALID', `cannot remember this: ${v.reason}`);
    const { doc, added, dropped } = addFact(parseMemory(this.read()), v.text, now.toISOString().slice(0, 10), this.budgetBytes);
    this.write(renderMemory(doc));
    return { added, dropped, text: v.text };
  }

  forget(needle: string): string[] {
    if (needle.trim() === '') throw new NxsError('NXS_ERR_MEMORY_INVALID', 'say which fact to forget: a word or phrase it contains');
    const { doc, removed } = forgetFacts(parseMemory(this.read()), needle);
    if (removed.length === 0) throw new NxsError('NXS_ERR_MEMORY_INVALID', `no remembered fact contains "${needle.trim()}" (see: nxs memory show)`);
    this.write(renderMemory(doc));
    return removed;
  }

  /** Replaces the whole file (a checkpoint restore); atomic like every change. */
  replace(text: string): void {
    this.write(text);
  }

  private write(text: string): void {
    mkdirSync(path.dirname(this.file), { recursive: true });
    writeFileAtomic(this.file, text, 0o600);
  }
}
