import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

/**
 * The CLI and host, as one CommonJS bundle in the unpacked runtime, written by
 * the build already inside CommonJS's function wrapper (CORE_WRAPPER): V8
 * keeps a script's source for the process's life, and wrapping it here would
 * make a second 2.4 MB string.
 */
export const CORE_FILE = 'app/core.cjs';
export const CORE_WRAPPER = { head: '(function (exports, require, module, __filename, __dirname) {', tail: '\n})' } as const;
/**
 * V8's code cache of the core, made at build time after a real start ran
 * (build/train-code-cache.ts), so it holds the bytecode of every function the
 * boot runs, not only of the top level, as a cache made at compile time does.
 */
export const CORE_CACHE_FILE = 'app/core.cache';
/** Build time only: compile without the cache and write a new one when the process exits. */
export const TRAIN_ENV = 'NXS_TRAIN_CODE_CACHE';

/** What became of the code cache, for the boot log. */
export type CodeCacheState = 'accepted' | 'rejected' | 'absent' | 'training';
const STATE = Symbol.for('nxs.codeCache');

export function codeCacheState(): CodeCacheState | undefined {
  return (globalThis as Record<symbol, CodeCacheState | undefined>)[STATE];
}

/**
 * Runs the core inside the single executable. The executable's own script is
 * only this loader (src/sea-entry.ts): the core is compiled here with the
 * trained cache, which a SEA's built-in code cache cannot be. V8 refuses a
 * cache made by another V8 or with other flags (NODE_OPTIONS): the core then
 * compiles as usual, only slower.
 */
export function loadCore(runtimeDir: string, env: Readonly<Record<string, string | undefined>>): { state: CodeCacheState; exports: unknown } {
  const file = path.join(runtimeDir, CORE_FILE);
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`the unpacked runtime ${runtimeDir} is incomplete: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)}); remove that folder and run nxs again`);
  }
  const cacheFile = path.join(runtimeDir, CORE_CACHE_FILE);
  const train = env[TRAIN_ENV] === '1';
  const cachedData = train ? undefined : readOptional(cacheFile);
  const script = new vm.Script(source, {
    filename: file,
    ...(cachedData ? { cachedData } : {}),
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const state: CodeCacheState = train ? 'training' : !cachedData ? 'absent' : script.cachedDataRejected ? 'rejected' : 'accepted';
  (globalThis as Record<symbol, CodeCacheState>)[STATE] = state;
  // After the run, so the cache holds every function the run compiled.
  if (train) process.once('exit', () => writeFileSync(cacheFile, script.createCachedData()));
  const module = { exports: {} };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(file), module, file, path.dirname(file));
  return { state, exports: module.exports };
}

function readOptional(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    // No cache (a build without one, or removed): compile as usual.
    return undefined;
  }
}
