import { randomUUID } from 'node:crypto';
import { chmodSync } from 'node:fs';
import type { Capability } from '../../../src/core/capabilities.ts';
import type { AuditEntry, AuditTrail } from '../../../src/supervisor/types.ts';
import { createToolbox, type Toolbox } from '../../../src/tools/toolbox.ts';
import { makeTestContext, type TestContext } from '../../helpers/test-context.ts';
import type { Clock } from '../../../src/core/clock.ts';

/** An in-test audit trail: append-only, in memory, so tests can read what was recorded. */
export class MemoryAudit implements AuditTrail {
  readonly entries: AuditEntry[] = [];
  record(entry: Omit<AuditEntry, 'operation_id' | 'timestamp'>): AuditEntry {
    const full = { ...entry, operation_id: randomUUID(), timestamp: Date.now() };
    this.entries.push(full);
    return full;
  }
}

export interface ToolboxFixture {
  ctx: TestContext;
  toolbox: Toolbox;
  audit: MemoryAudit;
  workspace: string;
  caps: Map<string, Set<Capability>>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A real context (temp data folder), a workspace under its home, agents with the given capabilities. */
export async function makeToolbox(opts: { sandbox?: Record<string, unknown>; agents?: Record<string, Capability[]>; clock?: Clock; env?: Record<string, string> } = {}): Promise<ToolboxFixture> {
  const ctx0 = await makeTestContext({ config: { sandbox: opts.sandbox ?? {} }, ...(opts.clock ? { clock: opts.clock } : {}), env: { PATH: '/usr/local/bin:/usr/bin:/bin', ...(opts.env ?? {}) } });
  const audit = new MemoryAudit();
  const agents: Record<string, Capability[]> = opts.agents ?? { a1: ['ACCESS_FS', 'ACCESS_IO', 'ACCESS_NET'] };
  const caps = new Map<string, Set<Capability>>();
  for (const [k, v] of Object.entries(agents)) caps.set(k, new Set(v));
  // As production does: the data folder 0700; the test's temp root searchable
  // (not listable) so the sandbox user (uid 65534 when tests run as root) reaches the workspace.
  chmodSync(ctx0.config.dataDir, 0o700);
  chmodSync(ctx0.dir, 0o711);
  const toolbox = await createToolbox(ctx0, { supervisor: { audit, capabilitiesOf: (id) => caps.get(id) ?? new Set() } });
  return {
    ctx: ctx0,
    toolbox,
    audit,
    workspace: toolbox.sandbox.workspace,
    caps,
    [Symbol.asyncDispose]: () => ctx0[Symbol.asyncDispose](),
  };
}

export function call(name: string, args: unknown, id = 'c1') {
  return { id, type: 'function' as const, function: { name, arguments: typeof args === 'string' ? args : JSON.stringify(args) } };
}

export function parse(content: string): Record<string, any> {
  return JSON.parse(content) as Record<string, any>;
}
