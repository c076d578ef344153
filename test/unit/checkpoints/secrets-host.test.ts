import { describe, it, expect } from 'vitest';
import { writeFileSync, readFileSync, mkdirSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { checkpointHost, notesProvider, spawnAgent } from './host.ts';

async function body(res: Response): Promise<any> {
  return res.json();
}

/** The error code travels in a header; the body stays seed 004's {success, error}. */
function codeOf(res: Response): string | null {
  return res.headers.get('x-nxs-error-code');
}

const PLANTED_ENV = 'sk-planted-env-key-4f9a8b7c6d';
const PLANTED_CONFIG = 'planted-config-token-1a2b3c4d5e6f7a8b';
const PLANTED_CRED = 'sk-planted-credential-file-99x';

describe('checkpoints never hold credentials', () => {
  it('a whole-host checkpoint has the store and identity files but no key, token or credential', async () => {
    await using host = await checkpointHost({ config: { api_token: PLANTED_CONFIG }, env: { NXS_OPENAI_API_KEY: PLANTED_ENV } });
    // What the providers part does with keys it resolves: register them as secrets.
    host.ctx.redactor.add(PLANTED_ENV);
    const dataDir = host.ctx.config.dataDir;
    writeFileSync(path.join(dataDir, 'credentials.enc'), PLANTED_CRED, { mode: 0o600 });
    writeFileSync(path.join(dataDir, 'SOUL.md'), '# I am nxs\n');
    mkdirSync(path.join(dataDir, 'identity'), { recursive: true });
    writeFileSync(path.join(dataDir, 'identity', 'MEMORY.md'), 'remember the plants\n');
    writeFileSync(path.join(dataDir, 'identity', 'provider.key'), PLANTED_CRED);
    // Someone stored a token in a table: the host backup drops credential tables.
    host.ctx.db.exec("CREATE TABLE test_secret_store (v TEXT); INSERT INTO test_secret_store VALUES ('" + PLANTED_CRED + "')");
    const id = await spawnAgent(host);
    await body(await host.api('/api/tokens', { method: 'POST', json: { capabilities: ['SPAWN_AGENT'], agent_id: Number(id) } }));

    const res = await host.api('/api/checkpoints/host', { method: 'POST' });
    if (res.status !== 200) throw new Error(await res.text());
    const { checkpoint_id } = await body(res);
    const { files } = await host.mgr.open(checkpoint_id);
    expect([...files.keys()].sort()).toEqual(['data/SOUL.md', 'data/identity/MEMORY.md', 'host/nxs.db', 'manifest.json']);
    const keyHex = readFileSync(path.join(host.home, 'keys', 'checkpoint.key'), 'utf8').trim();
    const signPem = readFileSync(path.join(host.home, 'keys', 'checkpoint-sign.pem'), 'utf8');
    const everything = Buffer.concat([...files.values()]).toString('latin1');
    for (const secret of [PLANTED_ENV, PLANTED_CONFIG, PLANTED_CRED, host.token, keyHex, signPem.split('\n')[1]!]) {
      expect(everything.includes(secret), `found ${secret.slice(0, 8)}…`).toBe(false);
    }
    // The backup is a real, consistent database: the agents are in it.
    const { default: Database } = await import('better-sqlite3');
    const copy = path.join(host.home, 'copy.db');
    writeFileSync(copy, files.get('host/nxs.db')!);
    const db = new Database(copy, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect((db.prepare('SELECT COUNT(*) AS n FROM test_secret_store').get() as { n: number }).n).toBe(0);
    db.close();

    // Restoring a host checkpoint stages it for the next start; nothing live is replaced.
    const staged = await body(await host.api('/api/agents/restore', { method: 'POST', json: { checkpoint_id } }));
    expect(existsSync(path.join(staged.staged, 'host', 'nxs.db'))).toBe(true);
    expect(readdirSync(path.join(staged.staged, 'data'))).toContain('SOUL.md');
  });

  it('a state provider that exports a registered credential is refused and nothing is written', async () => {
    await using host = await checkpointHost();
    host.ctx.redactor.add(PLANTED_ENV);
    const id = await spawnAgent(host);
    host.mgr.registerStateProvider('leaky', { export: () => ({ remembered: `my key is ${PLANTED_ENV}` }), import: () => {} });
    const res = await host.api(`/api/agents/${id}/checkpoint`, { method: 'POST' });
    expect(res.status).toBe(500);
    const b = await body(res);
    expect(codeOf(res)).toBe('NXS_ERR_CHECKPOINT_SECRET');
    expect(JSON.stringify(b)).not.toContain(PLANTED_ENV);
    expect(readdirSync(host.mgr.dir).filter((f) => !f.startsWith('.'))).toEqual([]);
    expect(host.logLines.join('\n')).not.toContain(PLANTED_ENV);
  });

  it('keys are made at first start, 0600', async () => {
    await using host = await checkpointHost();
    const { statSync } = await import('node:fs');
    for (const f of ['checkpoint.key', 'checkpoint-sign.pem']) expect(statSync(path.join(host.home, 'keys', f)).mode & 0o777).toBe(0o600);
  });
});

describe('export and import between two hosts', () => {
  it('a portable file exported on A restores on B with the passphrase, and only with it', async () => {
    await using a = await checkpointHost();
    await using b = await checkpointHost();
    const notesA = notesProvider(a);
    const notesB = notesProvider(b);
    const id = await spawnAgent(a, 'traveller');
    notesA.add(id, 'packed for the trip');
    const { checkpoint_id } = await body(await a.api(`/api/agents/${id}/checkpoint`, { method: 'POST' }));
    const file = path.join(a.home, 'traveller.nxsckpt');
    const exp = await a.api(`/api/checkpoints/${checkpoint_id}/export`, { method: 'POST', json: { file, passphrase: 'correct horse battery' } });
    expect(exp.status).toBe(200);
    const { signer } = await body(exp);
    expect(signer).toBe(a.mgr.signerId);
    expect(readFileSync(file).includes(Buffer.from('packed for the trip'))).toBe(false);

    // B trusts only its own key until the operator adds A's.
    const untrusted = await b.api('/api/checkpoints/import', { method: 'POST', json: { file, passphrase: 'correct horse battery' } });
    expect(codeOf(untrusted)).toBe('NXS_ERR_CHECKPOINT_UNTRUSTED_SIGNER');
    const pem = (await body(await a.api('/api/checkpoints/trust'))).self.public_key_pem;
    expect(await body(await b.api('/api/checkpoints/trust', { method: 'POST', json: { public_key: pem } }))).toEqual({ signer, added: true });

    // B's own key cannot open it as a local checkpoint, a wrong passphrase cannot either.
    const wrong = await b.api('/api/checkpoints/import', { method: 'POST', json: { file, passphrase: 'incorrect horse' } });
    expect(wrong.status).toBe(422);
    expect(codeOf(wrong)).toBe('NXS_ERR_CHECKPOINT_WRONG_KEY');
    const pinned = await b.api('/api/checkpoints/import', { method: 'POST', json: { file, passphrase: 'correct horse battery', signer: 'ffffffffffffffff' } });
    expect(codeOf(pinned)).toBe('NXS_ERR_CHECKPOINT_UNTRUSTED_SIGNER');

    const imp = await b.api('/api/checkpoints/import', { method: 'POST', json: { file, passphrase: 'correct horse battery', signer } });
    expect(imp.status).toBe(200);
    const imported = await body(imp);
    expect(imported).toMatchObject({ checkpoint_id, signer, trust: 'trusted', kind: 'agent' });
    expect((await body(await b.api(`/api/checkpoints/${checkpoint_id}/verify`))).valid).toBe(true);
    const r = await body(await b.api('/api/agents/restore', { method: 'POST', json: { checkpoint_id } }));
    expect(notesB.of(String(r.agent_id))).toEqual(['packed for the trip']);

    // A flipped byte in the portable file is refused before decryption.
    const buf = readFileSync(file);
    buf[buf.length - 1]! ^= 1;
    const tampered = path.join(a.home, 'tampered.nxsckpt');
    writeFileSync(tampered, buf);
    expect(codeOf(await b.api('/api/checkpoints/import', { method: 'POST', json: { file: tampered, passphrase: 'correct horse battery' } }))).toBe('NXS_ERR_CHECKPOINT_TAMPERED');
    // Short passphrases are refused up front.
    expect((await b.api('/api/checkpoints/import', { method: 'POST', json: { file, passphrase: 'short' } })).status).toBe(400);
  });
});
