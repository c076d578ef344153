// Rewrites README.md's error table from the registry (src/error-registry.ts),
// between the markers <!-- errors:begin --> and <!-- errors:end -->.
//   node build/doc-errors.ts          rewrite
//   node build/doc-errors.ts --check  exit 1 if README.md is out of date
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ERROR_REGISTRY } from '../src/error-registry.ts';

const root = path.resolve(import.meta.dirname, '..');
const readme = path.join(root, 'README.md');

export function errorTable(): string {
  const rows = Object.entries(ERROR_REGISTRY)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, spec]) => `| ${code} | ${spec.exit} | ${spec.http} | ${spec.summary.replaceAll('|', '\\|')} |`);
  return ['| code | exit | HTTP | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

export function withTable(text: string): string {
  const begin = '<!-- errors:begin -->';
  const end = '<!-- errors:end -->';
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`README.md has no ${begin} ... ${end} section`);
  return `${text.slice(0, a + begin.length)}\n${errorTable()}\n${text.slice(b)}`;
}

if (import.meta.main) {
  const text = readFileSync(readme, 'utf8');
  const next = withTable(text);
  if (process.argv.includes('--check')) {
    if (next !== text) {
      console.error('README.md error table is out of date: run node build/doc-errors.ts');
      process.exit(1);
    }
  } else writeFileSync(readme, next);
}
