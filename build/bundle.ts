import { existsSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

/**
 * Bundles the TypeScript core into one CommonJS file (Node's SEA runs CommonJS
 * only) and each worker entry into its own file. Whitespace and syntax are
 * minified; identifiers are kept so stack traces stay readable.
 */
export async function bundle(root: string, outDir: string): Promise<{ main: string; workers: string[] }> {
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
  await build({ ...common, entryPoints: [path.join(root, 'src/main.ts')], outfile: main });
  const workers: string[] = [];
  for (const entry of ['src/supervisor/agent-worker.ts']) {
    const file = path.join(root, entry);
    if (!existsSync(file)) continue;
    const out = path.join(outDir, 'workers', path.basename(entry).replace(/\.ts$/, '.cjs'));
    await build({ ...common, entryPoints: [file], outfile: out });
    workers.push(out);
  }
  return { main, workers };
}
