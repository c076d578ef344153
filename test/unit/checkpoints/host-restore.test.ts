import { describe, it, expect } from 'vitest';
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { checkpointHost } from './host.ts';
import { applyStagedHost } from '../../../src/checkpoints/apply-staged.ts';

describe('whole-host restore', () => {
  it('stages while running, refuses to apply while running, applies once stopped', async () => {
    await using host = await checkpointHost();
    const dataDir = host.ctx.config.dataDir;
    host.ctx.db.exec("CREATE TABLE test_marker (v TEXT); INSERT INTO test_marker VALUES ('before')");
    writeFileSync(path.join(dataDir, 'SOUL.md'), 'v1\n');
    const { checkpoint_id } = (await (await host.api('/api/checkpoints/host', { method: 'POST' })).json()) as { checkpoint_id: string };
    host.ctx.db.exec("INSERT INTO test_marker VALUES ('after')");
    writeFileSync(path.join(dataDir, 'SOUL.md'), 'v2\n');

    const staged = (await (await host.api('/api/agents/restore', { method: 'POST', json: { checkpoint_id } })).json()) as { staged: string };
    expect(staged.staged).toBe(path.join(dataDir, 'restore', checkpoint_id));
    expect(() => applyStagedHost(dataDir, checkpoint_id)).toThrow(expect.objectContaining({ code: 'NXS_ERR_CHECKPOINT_HOST_RUNNING' }));
    expect(() => applyStagedHost(dataDir, 'ckpt_other')).toThrow(expect.objectContaining({ code: 'NXS_ERR_CHECKPOINT_HOST_RUNNING' }));

    await host.stop('restore test');
    expect(() => applyStagedHost(dataDir, 'ckpt_other')).toThrow(expect.objectContaining({ code: 'NXS_ERR_CHECKPOINT_NOT_FOUND' }));
    expect(() => applyStagedHost(dataDir, '../../etc')).toThrow(expect.objectContaining({ code: 'NXS_ERR_CHECKPOINT_UNSAFE_ENTRY' }));
    const r = applyStagedHost(dataDir, checkpoint_id);
    expect(r.files).toEqual(['nxs.db', 'SOUL.md']);
    expect(readFileSync(path.join(dataDir, 'SOUL.md'), 'utf8')).toBe('v1\n');
    const db = new Database(path.join(dataDir, 'nxs.db'), { readonly: true });
    expect(db.prepare('SELECT v FROM test_marker').all()).toEqual([{ v: 'before' }]);
    db.close();
    // The store it replaced is kept aside, with the row written after the checkpoint.
    expect(existsSync(path.join(r.previous, 'nxs.db'))).toBe(true);
  });
});
