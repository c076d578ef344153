// The packager comparison (BENCHMARKS.md): builds the same bundle with
// `@yao-pkg/pkg --sea` so bench:startup can measure it beside Node's own SEA
// route. Not part of `npm run build`; nothing it makes ships.
//   node build/pkg-sea.ts   -> .build/pkg/nxs-pkg (needs .build/x64/app/main.cjs from npm run build)
//
// pkg's classic mode needs patched Node binaries from GitHub and cannot work
// offline. Its --sea mode works offline with a pinned full target and its
// download cache pre-filled with the official binary (toolchain.md).
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { NODE_VERSION, TARGETS } from './targets.ts';
import { nodeBinaryFor } from './node-runtime.ts';

const root = path.resolve(import.meta.dirname, '..');
const bundle = path.join(root, '.build/x64/app/main.cjs');
if (!existsSync(bundle)) {
  console.error('pkg-sea: run npm run build first (it makes .build/x64/app/main.cjs)');
  process.exit(2);
}
const work = path.join(root, '.build/pkg');
rmSync(work, { recursive: true, force: true });
const home = path.join(work, 'home');
const seaCache = path.join(home, '.pkg-cache/sea');
const nodeDir = path.join(seaCache, `node-v${NODE_VERSION}-linux-x64/bin`);
mkdirSync(nodeDir, { recursive: true });
writeFileSync(path.join(seaCache, `node-v${NODE_VERSION}-linux-x64.tar.gz`), '');
writeFileSync(path.join(seaCache, `node-v${NODE_VERSION}-linux-x64.tar.gz.ok`), '');
copyFileSync(nodeBinaryFor(root, TARGETS.x64), path.join(nodeDir, 'node'));
chmodSync(path.join(nodeDir, 'node'), 0o755);
writeFileSync(path.join(nodeDir, 'node.ok'), '');

const app = path.join(work, 'app');
mkdirSync(app, { recursive: true });
copyFileSync(bundle, path.join(app, 'main.cjs'));
writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'nxs', version: '0.0.0', bin: 'main.cjs', pkg: { targets: [`node${NODE_VERSION}-linux-x64`], outputPath: '..' } }));
const out = path.join(work, 'nxs-pkg');
execFileSync(process.execPath, [path.join(root, 'node_modules/@yao-pkg/pkg/lib-es5/bin.js'), '--sea', '--target', `node${NODE_VERSION}-linux-x64`, '--output', out, '.'], {
  cwd: app,
  env: { ...process.env, HOME: home },
  stdio: ['ignore', 'inherit', 'inherit'],
});
console.error(`pkg-sea: wrote ${path.relative(root, out)}`);
