import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

// The layers of src/ point one way (issue 16). Parsed with a regex, not the TypeScript compiler: the
// tree's imports are one statement each, `import ... from '<relative>.ts'`, so ~20 lines read all 340 files
// in well under 100 ms, and no dependency-graph package (madge, dependency-cruiser) has to work offline on .ts.
//
// Only run-time imports count. `import type` and `import { type A }` are erased before Node runs the
// file (type stripping, esbuild), so they cannot leave a module half-initialised, which is what a cycle
// costs; and core/context.ts must name the types of the handles it carries (Config, Db, BootLog). A
// dynamic `import()` is left out too: it is how main.ts defers loading the CLI on purpose.

const SRC = path.resolve(import.meta.dirname, '../../../src');
const IMPORT = /^\s*(?:import|export)\s+(type\s+)?(?:([^'";]*?)\s+from\s+)?['"](\.[^'"]+)['"]/gm;

/** src-relative file -> the src-relative files it imports at run time. */
export function runtimeImports(files: ReadonlyMap<string, string>): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const [file, text] of files) {
    const deps: string[] = [];
    for (const [, typeKeyword, clause, spec] of text.matchAll(IMPORT)) {
      if (!spec!.endsWith('.ts') || typeKeyword || (clause && typeOnlyBraces(clause))) continue;
      deps.push(path.posix.join(path.posix.dirname(file), spec!));
    }
    graph.set(file, deps);
  }
  return graph;
}

function typeOnlyBraces(clause: string): boolean {
  const m = /^\{([^}]*)\}$/.exec(clause.trim());
  if (!m) return false;
  const names = m[1]!.split(',').map((s) => s.trim()).filter(Boolean);
  return names.length > 0 && names.every((n) => n.startsWith('type '));
}

/** Every strongly connected group of two or more files (or a file importing itself), each sorted. Tarjan. */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      group.push(w);
    } while (w !== v);
    if (group.length > 1 || graph.get(v)!.includes(v)) cycles.push(group.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

/** The composition: it may import any part. Everything else is a part or the spine below the parts. */
function isTop(file: string): boolean {
  return ['main.ts', 'sea-entry.ts', 'error-registry.ts'].includes(file) || /^(boot|cli)\//.test(file) || file.endsWith('/cli.ts');
}

/** Why `from` may not import `to` at run time, or null when it may. */
export function layerViolation(from: string, to: string): string | null {
  const part = (f: string): string => f.split('/')[0]!;
  if (part(from) === 'core' && part(to) !== 'core') return 'core/ is the spine every part stands on; it imports no part';
  if (!isTop(from) && /^(boot|cli)\//.test(to)) return `${part(to)}/ composes the parts; a part imports only what sits below it`;
  return null;
}

function readSrc(): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(SRC, { recursive: true, encoding: 'utf8' })) {
    if (entry.endsWith('.ts')) files.set(entry.split(path.sep).join('/'), readFileSync(path.join(SRC, entry), 'utf8'));
  }
  return files;
}

describe('the import graph of src/', () => {
  const graph = runtimeImports(readSrc());

  it('reads every file and resolves every relative import to a file that exists', () => {
    expect(graph.size).toBeGreaterThan(100);
    const missing = [...graph].flatMap(([f, deps]) => deps.filter((d) => !graph.has(d)).map((d) => `${f} -> ${d}`));
    expect(missing).toEqual([]);
  });

  it('has no cycle among run-time imports', () => {
    expect(findCycles(graph)).toEqual([]);
  });

  it('points one way: core/ imports no part, and no part imports boot/ or cli/', () => {
    const wrong = [...graph].flatMap(([f, deps]) => deps.flatMap((d) => (layerViolation(f, d) ? [`${f} -> ${d}: ${layerViolation(f, d)}`] : [])));
    expect(wrong).toEqual([]);
  });
});

describe('the checks themselves', () => {
  it('find a cycle, a self-import and nothing in a tree', () => {
    const g = (edges: Record<string, string[]>) => new Map(Object.entries(edges));
    expect(findCycles(g({ 'a.ts': ['b.ts'], 'b.ts': ['c.ts'], 'c.ts': ['a.ts'], 'd.ts': ['a.ts'] }))).toEqual([['a.ts', 'b.ts', 'c.ts']]);
    expect(findCycles(g({ 'a.ts': ['a.ts'] }))).toEqual([['a.ts']]);
    expect(findCycles(g({ 'a.ts': ['b.ts', 'c.ts'], 'b.ts': ['c.ts'], 'c.ts': [] }))).toEqual([]);
  });

  it('count value imports and skip type-only ones', () => {
    const text = [
      "import type { A } from './a.ts';",
      "import { type B, type C } from './b.ts';",
      "import { d, type D } from './d.ts';",
      "export { e } from './e.ts';",
      "export type { F } from './f.ts';",
      "import './g.ts';",
      "import {\n  h,\n  i,\n} from '../h.ts';",
      "import { j } from 'node:fs';",
      "import pkg from '../package.json' with { type: 'json' };",
    ].join('\n');
    expect(runtimeImports(new Map([['x/y.ts', text]])).get('x/y.ts')).toEqual(['x/d.ts', 'x/e.ts', 'x/g.ts', 'h.ts']);
  });

  it('name the layer rule an import breaks', () => {
    expect(layerViolation('core/events.ts', 'queue/errors.ts')).toMatch(/core/);
    expect(layerViolation('detect/summary.ts', 'cli/output.ts')).toMatch(/cli/);
    expect(layerViolation('doctor/doctor.ts', 'boot/boot-log.ts')).toMatch(/boot/);
    expect(layerViolation('cli/commands/start.ts', 'boot/host.ts')).toBeNull();
    expect(layerViolation('sandbox/cli.ts', 'cli/output.ts')).toBeNull();
    expect(layerViolation('error-registry.ts', 'queue/errors.ts')).toBeNull();
  });
});
