import { test, expect, onTestFinished } from 'vitest';
import { mkdtempSync, chmodSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { Capability } from '../../../src/core/capabilities.ts';
import type { AuditEntry, Supervisor } from '../../../src/supervisor/types.ts';
import type { BootStep } from '../../../src/boot/steps.ts';
import { toolsStep } from '../../../src/tools/boot-step.ts';
import { hostRoutesStep } from '../../../src/boot/host-routes.ts';
import { startTestHost } from '../../helpers/test-host.ts';
import { call } from './toolbox-fixture.ts';
import { BWRAP_OK } from '../sandbox/bwrap-support.ts';

/** A small in-test supervisor: what the tools step needs of the supervisor step. */
function fakeSupervisorStep(entries: AuditEntry[]): BootStep<object, { supervisor: Supervisor }> {
  const caps = new Map<string, Set<Capability>>([['a1', new Set<Capability>(['ACCESS_FS'])]]);
  const supervisor = {
    capabilitiesOf: (id: string) => caps.get(id) ?? new Set<Capability>(),
    audit: { record: (e: Omit<AuditEntry, 'operation_id' | 'timestamp'>) => { const full = { ...e, operation_id: randomUUID(), timestamp: Date.now() }; entries.push(full); return full; } },
  } as unknown as Supervisor;
  return { name: 'fake-supervisor', start: () => ({ supervisor }) };
}

test('the tools step puts the toolbox on parts, a sandbox status section, and ADMIN-only override routes', async () => {
  const entries: AuditEntry[] = [];
  // A workspace the sandbox user can reach (the test's home is 0700 under /tmp).
  const ws = mkdtempSync('/var/tmp/nxs-ws-');
  chmodSync(ws, 0o755);
  onTestFinished(() => rmSync(ws, { recursive: true, force: true }));
  await using host = await startTestHost({ config: { sandbox: { workspace: ws } }, steps: [hostRoutesStep, fakeSupervisorStep(entries), toolsStep] });
  expect(host.parts.tools).toBeDefined();
  const r = await host.parts.tools!.execute(call('list_dir', {}), { agentId: 'a1', trust: 'main' });
  expect(r.ok).toBe(true);

  const status = (await (await host.api('/api/status')).json()) as { sandbox: { backend: string; workspace: string } };
  expect(status.sandbox.backend).toBe(BWRAP_OK ? 'bwrap' : 'none');
  expect(status.sandbox.workspace).toBe(ws);

  const bad = await host.api('/api/sandbox/overrides', { method: 'POST', json: { kind: 'unsandboxed', minutes: 'ten', reason: 'x' } });
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { error: string }).error).toMatch(/minutes must be an integer/);

  const made = await host.api('/api/sandbox/overrides', { method: 'POST', json: { kind: 'egress', target: 'example.com:443', minutes: 10, reason: 'fetch a release' } });
  expect(made.status).toBe(201);
  const { override } = (await made.json()) as { override: { id: string; target: string; by: string } };
  expect(override).toMatchObject({ target: 'example.com:443', by: 'operator' });
  const listed = (await (await host.api('/api/sandbox/overrides')).json()) as { overrides: unknown[] };
  expect(listed.overrides).toHaveLength(1);
  expect((await host.api(`/api/sandbox/overrides/${override.id}`, { method: 'DELETE' })).status).toBe(200);
  expect((await host.api(`/api/sandbox/overrides/${override.id}`, { method: 'DELETE' })).status).toBe(404);
  expect(entries.map((e) => e.operation_type)).toEqual(['tool.list_dir', 'sandbox.override.grant', 'sandbox.override.revoke']);
  expect(entries[1]).toMatchObject({ principal: 'operator', details: { reason: 'fetch a release', minutes: 10 } });
});
