import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export type FakeNvidiaSmiMode = 'good' | 'hang' | 'garbage' | 'fail' | 'hang-in-child';

const SCRIPTS: Record<FakeNvidiaSmiMode, string> = {
  // The shape the real one prints for --query-gpu=name,memory.total,memory.free,driver_version --format=csv,noheader,nounits.
  good: 'case "$*" in *--query-gpu=name,memory.total,memory.free,driver_version*--format=csv,noheader,nounits*) ;; *) echo "unexpected args: $*" >&2; exit 9;; esac\nprintf "NVIDIA A10, 23028, 22701, 535.104.05\\nNVIDIA A10, 23028, 23000, 535.104.05\\n"',
  // A driver stuck in the kernel: nvidia-smi never returns.
  hang: 'exec sleep 30',
  // A wrapper whose child hangs holding stdout: killing only the shell would leave the pipe open.
  'hang-in-child': 'sleep 30\necho late',
  garbage: 'echo "NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver, blah"',
  fail: 'echo "No devices were found" >&2\nexit 6',
};

/**
 * A folder holding an executable `nvidia-smi` shell script that behaves as
 * `mode` says; put `dir` first on PATH. Dispose to remove it.
 */
export function fakeNvidiaSmi(mode: FakeNvidiaSmiMode): { dir: string; [Symbol.dispose](): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'nxs-smi-'));
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'nvidia-smi');
  writeFileSync(file, `#!/bin/sh\n${SCRIPTS[mode]}\n`);
  chmodSync(file, 0o755);
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}
