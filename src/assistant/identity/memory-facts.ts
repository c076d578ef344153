// MEMORY.md keeps free text (a header the user writes) followed by facts, one
// per line: `- [YYYY-MM-DD] fact`. These pure functions add, forget and compact
// facts; the file I/O is in memory-file.ts.

export const TRIM_MARKER = /^- \(earlier facts trimmed: (\d+)\)$/;
const FACT = /^- (?:\[(\d{4}-\d{2}-\d{2})\] )?(.+)$/;

export interface MemoryDoc {
  /** Lines before the first fact (kept verbatim). */
  head: string[];
  facts: { date: string | null; text: string }[];
  trimmed: number;
  /** Non-fact lines after the facts (kept verbatim after them). */
  tail: string[];
}

export function parseMemory(text: string): MemoryDoc {
  const doc: MemoryDoc = { head: [], facts: [], trimmed: 0, tail: [] };
  for (const line of text.replace(/\r\n/g, '\n').split('\n')) {
    const marker = TRIM_MARKER.exec(line);
    if (marker) {
      doc.trimmed += Number(marker[1]);
      continue;
    }
    const m = FACT.exec(line);
    if (m) {
      doc.facts.push({ date: m[1] ?? null, text: m[2]!.trim() });
    } else if (doc.facts.length === 0) doc.head.push(line);
    else doc.tail.push(line);
  }
  while (doc.head.length && doc.head[doc.head.length - 1] === '') doc.head.pop();
  while (doc.tail.length && doc.tail[doc.tail.length - 1] === '') doc.tail.pop();
  return doc;
}

export function renderMemory(doc: MemoryDoc): string {
  const lines = [...doc.head];
  if (doc.head.length) lines.push('');
  if (doc.trimmed > 0) lines.push(`- (earlier facts trimmed: ${doc.trimmed})`);
  for (const f of doc.facts) lines.push(`- ${f.date ? `[${f.date}] ` : ''}${f.text}`);
  if (doc.tail.length) lines.push('', ...doc.tail);
  return lines.join('\n') + '\n';
}

/** Two facts are the same if they match ignoring case, spacing and a final full stop. */
export function normalizeFact(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').replace(/[.!]+$/, '').trim();
}

/** Checks a fact a user or the model wants kept: one line, not empty, bounded. Returns the cleaned text or a reason. */
export function validateFact(raw: string, maxChars = 500): { ok: true; text: string } | { ok: false; reason: string } {
  const text = raw.replace(/\s+/g, ' ').trim();
  if (text === '') return { ok: false, reason: 'the fact is empty' };
  if (text.length > maxChars) return { ok: false, reason: `the fact is ${text.length} characters; at most ${maxChars} are kept` };
  return { ok: true, text };
}

/**
 * Adds a fact (a duplicate moves to the end with the new date), then compacts:
 * oldest facts are dropped until the file fits `budgetBytes`, and the count of
 * dropped facts is kept in one marker line. Deterministic: same input, same file.
 */
export function addFact(doc: MemoryDoc, text: string, date: string, budgetBytes: number): { doc: MemoryDoc; added: boolean; dropped: number } {
  const key = normalizeFact(text);
  const existed = doc.facts.some((f) => normalizeFact(f.text) === key);
  const facts = doc.facts.filter((f) => normalizeFact(f.text) !== key);
  facts.push({ date, text });
  return compact({ ...doc, facts }, budgetBytes, !existed);
}

export function compact(doc: MemoryDoc, budgetBytes: number, added = false): { doc: MemoryDoc; added: boolean; dropped: number } {
  // Dedupe keeping the last (newest) occurrence of each fact.
  const seen = new Set<string>();
  const facts: MemoryDoc['facts'] = [];
  for (let i = doc.facts.length - 1; i >= 0; i--) {
    const k = normalizeFact(doc.facts[i]!.text);
    if (seen.has(k)) continue;
    seen.add(k);
    facts.unshift(doc.facts[i]!);
  }
  let out: MemoryDoc = { ...doc, facts };
  let dropped = 0;
  // Keep at least the newest fact even if the header alone is over budget.
  while (out.facts.length > 1 && Buffer.byteLength(renderMemory(out)) > budgetBytes) {
    out = { ...out, facts: out.facts.slice(1), trimmed: out.trimmed + 1 };
    dropped++;
  }
  return { doc: out, added, dropped };
}

/** Removes facts containing `needle` (case-insensitive). Returns the removed facts. */
export function forgetFacts(doc: MemoryDoc, needle: string): { doc: MemoryDoc; removed: string[] } {
  const n = needle.toLowerCase().trim();
  const removed = doc.facts.filter((f) => f.text.toLowerCase().includes(n)).map((f) => f.text);
  return { doc: { ...doc, facts: doc.facts.filter((f) => !f.text.toLowerCase().includes(n)) }, removed };
}
