import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The console's files (static/), by name. Run from source they are read from the folder beside
 * this file; build/bundle.ts replaces this module in the bundle with one that holds the files'
 * (minified) text, so dist/nxs serves them with nothing beside it and no network.
 */
export function readStaticFiles(): ReadonlyMap<string, string> {
  const dir = path.join(import.meta.dirname, 'static');
  return new Map(readdirSync(dir).map((name) => [name, readFileSync(path.join(dir, name), 'utf8')]));
}
