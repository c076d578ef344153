import { hostRoutesStep } from '../../../src/boot/host-routes.ts';
import { supervisorStep } from '../../../src/supervisor/step.ts';
import { checkpointsStep } from '../../../src/checkpoints/step.ts';
import { doctorStep } from '../../../src/doctor/step.ts';
import type { CheckpointManager } from '../../../src/checkpoints/manager.ts';
import { startTestHost, type TestHost } from '../../helpers/test-host.ts';

/** A real host on port 0 with the supervisor, checkpoints and the doctor, on the minimal tier (keep 3). */
export async function checkpointHost(opts: { config?: Record<string, unknown>; env?: Record<string, string> } = {}): Promise<TestHost & { mgr: CheckpointManager }> {
  const host = await startTestHost({
    // Agents are spawned by name: the ones these tests use are defined here (no module: the built-in echo agent).
    config: { tier: 'minimal', agents: ['keeper', 'traveller', 'cli-agent', 'mine', 'other', 'fragile'].map((name) => ({ name })), ...(opts.config ?? {}) },
    steps: [hostRoutesStep, supervisorStep({ random: () => 0.5 }), checkpointsStep, doctorStep],
    ...(opts.env ? { env: opts.env } : {}),
  });
  return Object.assign(host, { mgr: host.parts.checkpoints! });
}

/** A state provider backed by a real table: what a part's memory would look like. */
export function notesProvider(host: TestHost & { mgr: CheckpointManager }, name = 'notes'): { add(agentId: string, note: string): void; of(agentId: string): string[]; count(): number } {
  const db = host.ctx.db;
  db.exec(`CREATE TABLE IF NOT EXISTS test_${name} (agent_id TEXT NOT NULL, note TEXT NOT NULL)`);
  host.mgr.registerStateProvider(name, {
    export: (agentId) => ({ notes: (db.prepare(`SELECT note FROM test_${name} WHERE agent_id = ? ORDER BY rowid`).all(agentId) as { note: string }[]).map((r) => r.note) }),
    validate: (data) => {
      if (!Array.isArray((data as { notes?: unknown }).notes)) throw new Error('notes must be a list');
    },
    import: (agentId, data) => {
      for (const n of (data as { notes: string[] }).notes) db.prepare(`INSERT INTO test_${name} (agent_id, note) VALUES (?, ?)`).run(agentId, n);
    },
  });
  return {
    add: (agentId, note) => void db.prepare(`INSERT INTO test_${name} (agent_id, note) VALUES (?, ?)`).run(agentId, note),
    of: (agentId) => (db.prepare(`SELECT note FROM test_${name} WHERE agent_id = ? ORDER BY rowid`).all(agentId) as { note: string }[]).map((r) => r.note),
    count: () => (db.prepare(`SELECT COUNT(*) AS n FROM test_${name}`).get() as { n: number }).n,
  };
}

export async function spawnAgent(host: TestHost, name = 'keeper'): Promise<string> {
  const res = await host.api('/api/agents', { method: 'POST', json: { name } });
  if (res.status !== 200 && res.status !== 201) throw new Error(`spawn failed: ${res.status} ${await res.text()}`);
  return String(((await res.json()) as { agent_id: number }).agent_id);
}
