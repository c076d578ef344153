import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test, expect, onTestFinished } from 'vitest';
import type { Capability } from '../../src/core/capabilities.ts';
import type { AuditEntry, Supervisor } from '../../src/supervisor/types.ts';
import type { BootStep } from '../../src/boot/steps.ts';
import { toolsStep } from '../../src/tools/boot-step.ts';
import { hostRoutesStep } from '../../src/boot/host-routes.ts';
import { startTestHost, type TestHost } from '../helpers/test-host.ts';
import { call, parse } from '../unit/tools/toolbox-fixture.ts';
import { BWRAP_OK } from '../unit/sandbox/bwrap-support.ts';

/**
 * Issue 14, item 11: the sandbox workspace had no disk quota (300 MB written
 * in 0.5 s). The tier's bound (standard: 256 MiB) is now the room left, given
 * to each command as RLIMIT_FSIZE, and checked again when it ends: what a run
 * wrote past the bound is cut back and the call fails with NXS_ERR_WORKSPACE_FULL.
 */
const MiB = 1024 * 1024;
const BOUND = 256 * MiB;
const main = { agentId: 'a1', trust: 'main' as const };

/** The supervisor the tools step reads: one agent that may use files and the shell. */
const supervisorStep: BootStep<object, { supervisor: Supervisor }> = {
  name: 'test-supervisor',
  start() {
    const caps = new Set<Capability>(['ACCESS_FS', 'ACCESS_IO']);
    const supervisor = {
      capabilitiesOf: (id: string) => (id === 'a1' ? caps : new Set<Capability>()),
      audit: { record: (e: Omit<AuditEntry, 'operation_id' | 'timestamp'>) => ({ ...e, operation_id: randomUUID(), timestamp: Date.now() }) },
    } as unknown as Supervisor;
    return { supervisor };
  },
};

async function quotaHost(): Promise<{ host: TestHost; workspace: string }> {
  const base = mkdtempSync(path.join(tmpdir(), 'nxs-quota-'));
  onTestFinished(() => rmSync(base, { recursive: true, force: true }));
  // The sandbox user (65534 when tests run as root) must reach the workspace.
  chmodSync(base, 0o711);
  const workspace = path.join(base, 'workspace');
  mkdirSync(workspace, { mode: 0o755 });
  const host = await startTestHost({ config: { tier: 'standard', sandbox: { workspace } }, steps: [hostRoutesStep, supervisorStep, toolsStep] });
  onTestFinished(() => host[Symbol.asyncDispose]());
  await host.parts.tools!.sandbox.selected();
  return { host, workspace };
}

/** Bytes under a folder, as `du --apparent-size` counts them. */
function apparentBytes(dir: string): number {
  return readdirSync(dir, { recursive: true }).reduce((n, rel) => n + lstatSync(path.join(dir, String(rel))).size, 0);
}

const shell = (host: TestHost, command: string) => host.parts.tools!.execute(call('shell', { command }), main);
const write = (host: TestHost, p: string, content: string, append = false) => host.parts.tools!.execute(call('write_file', { path: p, content, append }), main);

describe.runIf(BWRAP_OK)('the workspace is bound by the tier', () => {
  test('one command writing 300 MB into the workspace is stopped at the bound, the space is given back, and the host keeps running', async () => {
    const { host, workspace } = await quotaHost();
    expect((await write(host, 'keep.txt', 'hello')).ok).toBe(true);

    const r = await shell(host, 'head -c 300000000 /dev/zero > /workspace/big; echo "exit $?"');
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe('NXS_ERR_WORKSPACE_FULL');
    // The kernel stopped the file at the room left: the workspace held the bound, not 300 MB.
    expect(r.error?.message).toMatch(/bound of 256\.0 MiB \(tier standard\): \/workspace held 256\.0 MiB when it ended/);
    expect(r.error?.message).toMatch(/cut back \(1 file, 256\.0 MiB given back\)/);

    expect(statSync(path.join(workspace, 'big')).size).toBe(0);
    expect(readFileSync(path.join(workspace, 'keep.txt'), 'utf8')).toBe('hello');
    expect(apparentBytes(workspace)).toBeLessThan(MiB);

    expect((await host.api('/healthz')).status).toBe(200);
    const next = await shell(host, 'echo still here > small && cat small');
    expect(next.ok).toBe(true);
    expect(parse(next.content).stdout).toBe('still here\n');
  });

  test('many files under the per-file limit that pass the bound together are cut back when the command ends, old content kept', async () => {
    const { host, workspace } = await quotaHost();
    expect((await write(host, 'keep.txt', 'hello')).ok).toBe(true);

    const r = await shell(host, 'for i in 1 2 3; do head -c 100000000 /dev/zero > part$i; done; echo more >> keep.txt');
    expect(r.error?.code).toBe('NXS_ERR_WORKSPACE_FULL');
    expect(r.error?.message).toMatch(/held 286\.1 MiB when it ended/);
    expect(r.error?.message).toMatch(/cut back \(4 files, 286\.1 MiB given back\)/);
    for (const i of [1, 2, 3]) expect(statSync(path.join(workspace, `part${i}`)).size).toBe(0);
    // A file the run grew is cut back to its size before the run.
    expect(readFileSync(path.join(workspace, 'keep.txt'), 'utf8')).toBe('hello');
    expect((await host.api('/healthz')).status).toBe(200);
  });

  test('write_file past the bound is refused before anything is written; the room left is still usable and freeing space works', async () => {
    const { host, workspace } = await quotaHost();
    // Fill to 100 bytes below the bound: allowed.
    const fill = await shell(host, `head -c ${BOUND - 100} /dev/zero > fill`);
    expect(fill.ok).toBe(true);

    const refused = await write(host, 'note.txt', 'x'.repeat(1000));
    expect(refused.error?.code).toBe('NXS_ERR_WORKSPACE_FULL');
    expect(refused.error?.message).toMatch(/writing \/workspace\/note\.txt would pass the workspace's bound of 256\.0 MiB \(tier standard\)/);
    expect(() => statSync(path.join(workspace, 'note.txt'))).toThrow();
    expect((await write(host, 'note.txt', 'x'.repeat(50))).ok).toBe(true);
    // Appending counts in full; replacing counts only the growth.
    expect((await write(host, 'note.txt', 'x'.repeat(60), true)).error?.code).toBe('NXS_ERR_WORKSPACE_FULL');
    expect((await write(host, 'note.txt', 'y'.repeat(90))).ok).toBe(true);

    // A full workspace still runs commands (each file limited to the room left), so the agent can free space.
    const freed = await shell(host, 'rm fill');
    expect(freed.ok).toBe(true);
    expect((await write(host, 'note.txt', 'x'.repeat(1000))).ok).toBe(true);
  });
});
