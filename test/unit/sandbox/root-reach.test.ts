import { test, expect } from 'vitest';
import { mkdtempSync, mkdirSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { reachableBy } from '../../../src/sandbox/reachable.ts';
import { Sandbox } from '../../../src/sandbox/sandbox.ts';
import { makeTestContext } from '../../helpers/test-context.ts';
import { MemoryAudit } from '../tools/toolbox-fixture.ts';

const nobody = { uid: 65534, gid: 65534 };

test('reachableBy: search permission on every folder above, read+search on the target', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'nxs-reach-'));
  try {
    mkdirSync(path.join(root, 'a', 'ws'), { recursive: true });
    chmodSync(path.join(root, 'a', 'ws'), 0o755);
    chmodSync(root, 0o711);
    chmodSync(path.join(root, 'a'), 0o711);
    expect(reachableBy(path.join(root, 'a', 'ws'), nobody)).toEqual({ ok: true });
    chmodSync(path.join(root, 'a'), 0o700);
    expect(reachableBy(path.join(root, 'a', 'ws'), nobody)).toEqual({ ok: false, blocker: path.join(root, 'a') });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test.runIf(process.getuid?.() === 0)('as root, a workspace the sandbox user cannot reach leaves no bwrap backend, and status says how to fix it', async () => {
  await using ctx = await makeTestContext(); // its home is a 0700 temp folder
  const s = await Sandbox.create(ctx, { audit: new MemoryAudit() });
  expect((s.status() as { detail: string }).detail).toMatch(/not reachable by uid 65534/);
  await s.selected();
  const status = s.status() as { backend: string; detail: string };
  expect(status.backend).not.toBe('bwrap');
  expect(status.detail).toMatch(/not reachable by uid 65534 \(sandbox\.run_as\).*set sandbox\.workspace/);
});
