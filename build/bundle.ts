import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build, transform, type Plugin } from 'esbuild';
import { releaseKeyModule } from './release-key.ts';

/**
 * Bundles the TypeScript core into one CommonJS file (Node's SEA runs CommonJS
 * only) and each worker entry into its own file. Whitespace and syntax are
 * minified; identifiers are kept so stack traces stay readable.
 */
export async function bundle(root: string, outDir: string, opts: { releasePub?: string | undefined } = {}): Promise<{ main: string; seaEntry: string; workers: string[] }> {
  const common = {
    bundle: true,
    platform: 'node' as const,
    format: 'cjs' as const,
    target: 'node24',
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none' as const,
    logLevel: 'warning' as const,
    // Optional peers some libraries probe for with try/require; absent on purpose.
    external: ['pino-pretty/*', 'cpu-features', 'osx-temperature-sensor'],
  };
  const main = path.join(outDir, 'main.cjs');
  await build({ ...common, entryPoints: [path.join(root, 'src/main.ts')], outfile: main, plugins: [consoleFiles(root), releaseKeyModule(opts.releasePub)] });
  asciiOnly(main);
  // The executable's own script: a loader of main.cjs (shipped as app/core.cjs) and its trained code cache.
  const seaEntry = path.join(outDir, 'sea-entry.cjs');
  await build({ ...common, entryPoints: [path.join(root, 'src/sea-entry.ts')], outfile: seaEntry });
  asciiOnly(seaEntry);
  const workers: string[] = [];
  for (const entry of ['src/supervisor/agent-worker.ts']) {
    const file = path.join(root, entry);
    if (!existsSync(file)) continue;
    const out = path.join(outDir, 'workers', path.basename(entry).replace(/\.ts$/, '.cjs'));
    await build({ ...common, entryPoints: [file], outfile: out });
    asciiOnly(out);
    workers.push(out);
  }
  return { main, seaEntry, workers };
}

/**
 * Puts the console's files (src/console/static) inside the bundle: the module that reads them from
 * disk when run from source (src/console/static-files.ts) is replaced by one holding their text,
 * script and style minified (the browser needs no readable copy; the sources are in the repo).
 */
function consoleFiles(root: string): Plugin {
  const dir = path.join(root, 'src/console/static');
  return {
    name: 'console-files',
    setup(b) {
      b.onLoad({ filter: /[\\/]src[\\/]console[\\/]static-files\.ts$/ }, async () => {
        const files: [string, string][] = [];
        for (const name of readdirSync(dir).sort()) {
          const text = readFileSync(path.join(dir, name), 'utf8');
          const ext = path.extname(name).slice(1);
          files.push([name, ext === 'js' || ext === 'css' ? (await transform(text, { loader: ext, minify: true, target: ['chrome111', 'firefox115', 'safari16'], legalComments: 'none' })).code : text]);
        }
        return { contents: `export function readStaticFiles() { return new Map(${JSON.stringify(files)}); }`, loader: 'js', watchFiles: files.map(([n]) => path.join(dir, n)) };
      });
    },
  };
}

/**
 * Escapes the non-ASCII characters esbuild leaves in place (it escapes strings and
 * templates, not regular expression literals: one U+FFFF in a dependency's regex).
 * V8 keeps a script's source for the process's life, and one character beyond
 * Latin-1 makes the whole 2.4 MB source a two-byte string: 4.7 MB of heap instead
 * of 2.4. Outside strings and templates, a \uXXXX escape means the same character
 * (regex literals, identifiers; comments are gone), so the program is unchanged.
 */
export function asciiOnly(file: string): number {
  const text = readFileSync(file, 'utf8');
  let changed = 0;
  const out = text.replace(/[^\x00-\x7f]/g, (c) => {
    changed++;
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
  if (changed) writeFileSync(file, out);
  return changed;
}
