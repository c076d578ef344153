import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ALERT_CODES } from '../../../src/doctor/rules.ts';
import { ERROR_REGISTRY } from '../../../src/error-registry.ts';

// Issue 16: alert codes came in two schemes (`providers.exhausted` beside `NXS_ERR_PROVIDERS_EXHAUSTED`), and
// two doctor rules matched codes nothing emitted. Now an alert's code is a registered NXS_ERR_* code (the
// event map types it), written as a literal at the emit so this scan can see it.

const SRC = path.resolve(import.meta.dirname, '../../../src');
const ALERT_EMIT = /\.emit\(\s*'alert',\s*\{[^}]*?\bcode:\s*'([^']+)'/g;

function alertEmits(): { file: string; code: string }[] {
  const found: { file: string; code: string }[] = [];
  for (const entry of readdirSync(SRC, { recursive: true, encoding: 'utf8' })) {
    if (!entry.endsWith('.ts')) continue;
    const text = readFileSync(path.join(SRC, entry), 'utf8');
    const emits = text.split(".emit('alert'").length - 1;
    const codes = [...text.matchAll(ALERT_EMIT)].map((m) => m[1]!);
    // An alert whose code is not a literal here would escape the checks below.
    expect(codes, `${entry}: every emit('alert', ...) names its code as a literal`).toHaveLength(emits);
    found.push(...codes.map((code) => ({ file: entry, code })));
  }
  return found;
}

describe('alert codes', () => {
  const emitted = alertEmits();

  it('are found where the parts raise them', () => {
    expect(emitted.length).toBeGreaterThanOrEqual(6);
  });

  it('are registered error codes, documented in README.md', () => {
    for (const { file, code } of emitted) expect(ERROR_REGISTRY[code], `${file}: ${code}`).toBeDefined();
  });

  it('every code a doctor rule matches is emitted somewhere', () => {
    const codes = new Set(emitted.map((e) => e.code));
    for (const code of Object.values(ALERT_CODES)) expect(codes.has(code), code).toBe(true);
  });
});
