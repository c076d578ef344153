import { describe, it, expect, onTestFinished } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openStore, migrate } from '../../../src/store/database.ts';
import { ALL_MIGRATIONS } from '../../../src/store/migration-registry.ts';
import type { AgentSupervisor } from '../../../src/supervisor/supervisor.ts';
import { supervisorHost, json, running } from './helpers.ts';

const MIGRATION = 'supervisor/002-assistant-record-in-host';

/** A store as the previous version left it: every migration but the host-runtime one, with its agents. */
function oldStore(rows: { name: string; settings: Record<string, unknown>; state: string; failures?: number }[]): string {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'nxs-upgrade-'));
  onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
  const db = openStore({ file: path.join(dataDir, 'nxs.db'), synchronous: 'normal', busyTimeoutMs: 1000, migrations: ALL_MIGRATIONS.filter((m) => m.id !== MIGRATION) });
  for (const r of rows) {
    const id = Number(
      db
        .prepare('INSERT INTO agents (name, capabilities, settings, state, instance_id, created_at, started_at, parked_reason) VALUES (?, ?, ?, ?, 0, 1, 1, ?)')
        .run(r.name, JSON.stringify(['ACCESS_FS', 'ACCESS_NET', 'ACCESS_IO']), JSON.stringify(r.settings), r.state, r.state === 'parked' ? 'crash loop' : null).lastInsertRowid,
    );
    const inst = Number(db.prepare('INSERT INTO agent_instances (agent_id, started_at) VALUES (?, 1)').run(id).lastInsertRowid);
    db.prepare('UPDATE agents SET instance_id = ? WHERE agent_id = ?').run(inst, id);
    for (let i = 0; i < (r.failures ?? 0); i++) db.prepare("INSERT INTO agent_failures (agent_id, ts, reason) VALUES (?, ?, 'crash: x')").run(id, i + 1);
  }
  db.close();
  return dataDir;
}

describe('upgrading a store whose assistant record is a worker agent', () => {
  it("the migration moves only the assistant's own records into the host; other agents are untouched", () => {
    const dataDir = oldStore([
      { name: 'assistant', settings: { role: 'assistant', restart: 'on-failure' }, state: 'running' },
      { name: 'assistant', settings: { role: 'assistant', restart: 'on-failure' }, state: 'parked', failures: 2 },
      { name: 'custom', settings: { role: 'assistant', module: '/opt/mine.mjs', restart: 'always' }, state: 'running' },
      { name: 'echo', settings: { restart: 'on-failure' }, state: 'running' },
    ]);
    const db = openStore({ file: path.join(dataDir, 'nxs.db'), synchronous: 'normal', busyTimeoutMs: 1000, migrations: ALL_MIGRATIONS.filter((m) => m.id !== MIGRATION) });
    try {
      expect(migrate(db, ALL_MIGRATIONS)).toEqual([MIGRATION]);
      const rows = db.prepare('SELECT name, settings, state, parked_reason FROM agents ORDER BY agent_id').all() as { name: string; settings: string; state: string; parked_reason: string | null }[];
      expect(rows.map((r) => [r.name, JSON.parse(r.settings), r.state, r.parked_reason])).toEqual([
        ['assistant', { role: 'assistant', runtime: 'host' }, 'running', null],
        ['assistant', { role: 'assistant', runtime: 'host' }, 'running', null],
        ['custom', { role: 'assistant', module: '/opt/mine.mjs', restart: 'always' }, 'running', null],
        ['echo', { restart: 'on-failure' }, 'running', null],
      ]);
      expect(db.prepare('SELECT COUNT(*) AS n FROM agent_failures').get()).toEqual({ n: 0 });
      expect(migrate(db, ALL_MIGRATIONS)).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('the upgraded host comes up with the assistant record running in the host and launches a thread only for the worker agent', async () => {
    const dataDir = oldStore([
      { name: 'assistant', settings: { role: 'assistant', restart: 'on-failure' }, state: 'running' },
      { name: 'echo', settings: { restart: 'on-failure' }, state: 'running' },
    ]);
    await using host = await supervisorHost({ env: { NXS_DATA_DIR: dataDir } });
    const sup = host.parts.supervisor as AgentSupervisor;
    const list = (await json(await host.api('/api/agents'))).agents as { agent_id: number; name: string; runtime: string; state: string; capabilities: string[] }[];
    expect(list.map((a) => [a.name, a.runtime])).toEqual([['assistant', 'host'], ['echo', 'worker']]);
    expect(list[0]).toMatchObject({ state: 'running', capabilities: ['ACCESS_FS', 'ACCESS_NET', 'ACCESS_IO'] });
    expect(sup.process(String(list[0]!.agent_id))).toBeNull();
    await running(host, list[1]!.agent_id);
    expect(sup.workerCount()).toBe(1);
  });
});
