// Issue 14 item 5: `checkpoint restore --apply-staged` copied every data/* file
// of a checkpoint, api-token and credentials.enc included, and the planted
// token then answered 200. Restore now writes only an allowlist (the store and
// identity files), empties credential tables of the restored store, and keeps
// everything it replaces so the apply can be undone.
import { describe, it, expect } from 'vitest';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { checkpointHost } from '../unit/checkpoints/host.ts';
import { applyStagedHost, undoStagedHost } from '../../src/checkpoints/apply-staged.ts';
import { craftPortable, newSigner, PASSPHRASE } from './support/crafted-checkpoint.ts';

const code = (res: Response): string | null => res.headers.get('x-nxs-error-code');
const PLANTED_TOKEN = 'nxs_planted_operator_token_from_a_checkpoint_0123';

describe('a checkpoint never writes credentials or keys', () => {
  it('import refuses a host checkpoint carrying data/api-token and data/credentials.enc (422 NXS_ERR_CHECKPOINT_FORBIDDEN_FILE)', async () => {
    await using host = await checkpointHost();
    // Even a signer the operator waved through cannot bring credentials in.
    const peer = newSigner();
    for (const planted of ['data/api-token', 'data/credentials.enc', 'data/identity/provider.key', 'data/host.json', 'data/.git/config', 'keys/checkpoint-sign.pem']) {
      const file = path.join(host.home, 'planted.nxsckpt');
      writeFileSync(file, await craftPortable({ signer: peer, kind: 'host', files: { 'host/nxs.db': 'not used', 'data/SOUL.md': '# soul\n', [planted]: PLANTED_TOKEN } }));
      const res = await host.api('/api/checkpoints/import', { method: 'POST', json: { file, passphrase: PASSPHRASE, signer: peer.id, allow_untrusted_signer: true } });
      expect(res.status, planted).toBe(422);
      expect(code(res), planted).toBe('NXS_ERR_CHECKPOINT_FORBIDDEN_FILE');
    }
    expect(host.mgr.list()).toEqual([]);
  });

  it('apply refuses a staged folder holding a credential, and changes nothing', async () => {
    await using host = await checkpointHost();
    const dataDir = host.ctx.config.dataDir;
    const { checkpoint_id } = (await (await host.api('/api/checkpoints/host', { method: 'POST' })).json()) as { checkpoint_id: string };
    const { staged } = (await (await host.api('/api/agents/restore', { method: 'POST', json: { checkpoint_id } })).json()) as { staged: string };
    // What an older nxs staged from a crafted checkpoint: the token and credentials beside the store.
    mkdirSync(path.join(staged, 'data'), { recursive: true });
    writeFileSync(path.join(staged, 'data', 'api-token'), PLANTED_TOKEN + '\n');
    writeFileSync(path.join(staged, 'data', 'credentials.enc'), 'planted');
    const tokenBefore = readFileSync(path.join(dataDir, 'api-token'), 'utf8');
    await host.stop('apply test');
    const dbBefore = readFileSync(path.join(dataDir, 'nxs.db'));

    expect(() => applyStagedHost(dataDir, checkpoint_id)).toThrow(expect.objectContaining({ code: 'NXS_ERR_CHECKPOINT_FORBIDDEN_FILE' }));
    expect(readFileSync(path.join(dataDir, 'api-token'), 'utf8')).toBe(tokenBefore);
    expect(existsSync(path.join(dataDir, 'credentials.enc'))).toBe(false);
    expect(readFileSync(path.join(dataDir, 'nxs.db')).equals(dbBefore)).toBe(true);
    expect(existsSync(path.join(staged, 'previous'))).toBe(false);
  });

  it('apply empties credential tables of the restored store, keeps what it replaces, and can be undone', async () => {
    await using host = await checkpointHost();
    const dataDir = host.ctx.config.dataDir;
    writeFileSync(path.join(dataDir, 'SOUL.md'), 'soul at checkpoint time\n');
    const { checkpoint_id } = (await (await host.api('/api/checkpoints/host', { method: 'POST' })).json()) as { checkpoint_id: string };
    writeFileSync(path.join(dataDir, 'SOUL.md'), 'soul edited later\n');
    const { staged } = (await (await host.api('/api/agents/restore', { method: 'POST', json: { checkpoint_id } })).json()) as { staged: string };
    // A crafted store: a token digest of the attacker's in api_tokens, and an identity file the host never had.
    const sdb = new Database(path.join(staged, 'host', 'nxs.db'));
    sdb.prepare("INSERT INTO api_tokens (token_id, name, digest, capabilities, agent_id, created_at) VALUES ('t_evil', 'evil', 'digest-of-a-planted-token', '[\"ADMIN\"]', NULL, 0)").run();
    sdb.close();
    mkdirSync(path.join(staged, 'data', 'identity'), { recursive: true });
    writeFileSync(path.join(staged, 'data', 'identity', 'NOTES.md'), 'new file\n');
    await host.stop('apply test');
    const oldDb = readFileSync(path.join(dataDir, 'nxs.db'));
    const keep = path.join(host.home, 'keep-staged');
    cpSync(staged, keep, { recursive: true });

    const r = applyStagedHost(dataDir, checkpoint_id);
    expect(r.replaced).toEqual(['SOUL.md']);
    expect(r.created).toEqual(['identity/NOTES.md']);
    const db = new Database(path.join(dataDir, 'nxs.db'), { readonly: true });
    expect((db.prepare('SELECT COUNT(*) AS n FROM api_tokens').get() as { n: number }).n).toBe(0);
    db.close();
    expect(readFileSync(path.join(dataDir, 'SOUL.md'), 'utf8')).toBe('soul at checkpoint time\n');
    // Everything replaced is kept.
    expect(readFileSync(path.join(r.previous, 'data', 'SOUL.md'), 'utf8')).toBe('soul edited later\n');
    expect(readFileSync(path.join(r.previous, 'nxs.db')).equals(oldDb)).toBe(true);
    // A second apply must not overwrite what the first kept.
    expect(() => applyStagedHost(dataDir, checkpoint_id)).toThrow(expect.objectContaining({ code: 'NXS_ERR_CHECKPOINT_NOT_FOUND' }));

    const u = undoStagedHost(dataDir, checkpoint_id);
    expect(readFileSync(path.join(dataDir, 'SOUL.md'), 'utf8')).toBe('soul edited later\n');
    expect(readFileSync(path.join(dataDir, 'nxs.db')).equals(oldDb)).toBe(true);
    expect(existsSync(path.join(dataDir, 'identity', 'NOTES.md'))).toBe(false);
    expect(readFileSync(path.join(u.undone, 'data', 'identity', 'NOTES.md'), 'utf8')).toBe('new file\n');
    expect(() => undoStagedHost(dataDir, checkpoint_id)).toThrow(expect.objectContaining({ code: 'NXS_ERR_CHECKPOINT_NOT_FOUND' }));
  });
});
