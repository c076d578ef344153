import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

// `npm run test:portability` builds dist/nxs first; the arm64 file is built here
// unless it is already newer than dist/nxs (same sources, same run).
// NXS_PORTABILITY_REUSE=1 keeps whatever dist/ holds (for iterating on tests).
export default function setup(): void {
  const root = path.resolve(import.meta.dirname, '../..');
  const x64 = path.join(root, 'dist/nxs');
  const arm = path.join(root, 'dist/nxs-arm64');
  if (!existsSync(x64)) execFileSync(process.execPath, [path.join(root, 'build/build.ts')], { cwd: root, stdio: 'inherit' });
  if (process.env.NXS_PORTABILITY_REUSE === '1' && existsSync(arm)) return;
  if (existsSync(arm) && statSync(arm).mtimeMs >= statSync(x64).mtimeMs) return;
  execFileSync(process.execPath, [path.join(root, 'build/build.ts'), '--arch', 'arm64'], { cwd: root, stdio: 'inherit' });
}
