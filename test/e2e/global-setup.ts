import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

// Builds dist/nxs once for every e2e file. NXS_E2E_REUSE=1 keeps an existing
// build (for iterating on tests); CI always builds what it tests.
export default function setup(): void {
  const root = path.resolve(import.meta.dirname, '../..');
  if (process.env.NXS_E2E_REUSE === '1' && existsSync(path.join(root, 'dist/nxs'))) return;
  execFileSync(process.execPath, [path.join(root, 'build/build.ts')], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
}
