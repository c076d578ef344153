// Issue 14 item 6: hostile checkpoint files. Each is refused with its code
// before the harmful work (a write outside the folder, a lost file, a read of
// the whole file, a 42 s scrypt), nothing the host had is lost, and the event
// loop stays free.
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync, readdirSync, renameSync, writeFileSync, openSync, ftruncateSync, closeSync, mkdtempSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { checkpointHost, spawnAgent } from '../unit/checkpoints/host.ts';
import { craftPortable, newSigner, PASSPHRASE, type Signer } from './support/crafted-checkpoint.ts';
import { passphraseKey, SCRYPT } from '../../src/checkpoints/kdf.ts';
import type { TestHost } from '../helpers/test-host.ts';

const code = (res: Response): string | null => res.headers.get('x-nxs-error-code');
const MiB = 1024 * 1024;

async function trust(host: TestHost, signer: Signer): Promise<void> {
  const res = await host.api('/api/checkpoints/trust', { method: 'POST', json: { public_key: signer.b64 } });
  if (res.status !== 200) throw new Error(await res.text());
}

const importFile = (host: TestHost, file: string, extra: Record<string, unknown> = {}): Promise<Response> =>
  host.api('/api/checkpoints/import', { method: 'POST', json: { file, passphrase: PASSPHRASE, ...extra } });

describe('hostile checkpoint imports', () => {
  it('a header id of ../../x is refused (422 NXS_ERR_CHECKPOINT_INVALID) and nothing is written outside the folder', async () => {
    await using host = await checkpointHost();
    const peer = newSigner();
    // Even with every signer check waived, the id is checked.
    for (const id of ['../../x', 'ckpt_a/../../x', 'ckpt_..', 'ckpt_a.b']) {
      const file = path.join(host.home, 'evil.nxsckpt');
      writeFileSync(file, await craftPortable({ signer: peer, id }));
      const res = await importFile(host, file, { signer: peer.id, allow_untrusted_signer: true });
      expect(res.status, id).toBe(422);
      expect(code(res), id).toBe('NXS_ERR_CHECKPOINT_INVALID');
    }
    expect(existsSync(path.join(host.mgr.dir, '../../x.nxsckpt'))).toBe(false);
    expect(readdirSync(host.mgr.dir).filter((f) => !f.startsWith('.'))).toEqual([]);
  });

  it('re-importing an export of a checkpoint that is here is refused (409 NXS_ERR_CHECKPOINT_EXISTS); the file here stays, byte for byte', async () => {
    await using host = await checkpointHost();
    const agent = await spawnAgent(host);
    const { checkpoint_id } = (await (await host.api(`/api/agents/${agent}/checkpoint`, { method: 'POST' })).json()) as { checkpoint_id: string };
    const mine = path.join(host.mgr.dir, `${checkpoint_id}.nxsckpt`);
    const before = readFileSync(mine);
    const exported = path.join(host.home, 'copy.nxsckpt');
    expect((await host.api(`/api/checkpoints/${checkpoint_id}/export`, { method: 'POST', json: { file: exported, passphrase: PASSPHRASE } })).status).toBe(200);

    const res = await importFile(host, exported);
    expect(res.status).toBe(409);
    expect(code(res)).toBe('NXS_ERR_CHECKPOINT_EXISTS');
    expect(readFileSync(mine).equals(before)).toBe(true);
    expect((await (await host.api(`/api/checkpoints/${checkpoint_id}/verify`)).json()) as { valid: boolean }).toMatchObject({ valid: true });
  });

  it('a file larger than the tier budget is refused (507 NXS_ERR_CHECKPOINT_TOO_LARGE) from its size, before it is read', async () => {
    await using host = await checkpointHost(); // minimal tier: 20 MiB
    // 1 GiB, sparse: refusing it from fstat costs nothing; reading it would cost a GiB.
    const huge = path.join(host.home, 'huge.nxsckpt');
    const fd = openSync(huge, 'w');
    ftruncateSync(fd, 1024 * MiB);
    closeSync(fd);
    const res = await importFile(host, huge, { allow_untrusted_signer: true });
    expect(res.status).toBe(507);
    expect(code(res)).toBe('NXS_ERR_CHECKPOINT_TOO_LARGE');
    expect(((await res.json()) as { error: string }).error).toMatch(/1073741824 bytes/);

    // A real, valid file just over the budget.
    const peer = newSigner();
    const big = path.join(host.home, 'big.nxsckpt');
    writeFileSync(big, await craftPortable({ signer: peer, files: { 'state/blob.json': JSON.stringify(randomBytes(16 * MiB).toString('base64')) } }));
    const r2 = await importFile(host, big, { allow_untrusted_signer: true });
    expect(code(r2)).toBe('NXS_ERR_CHECKPOINT_TOO_LARGE');
    expect(host.mgr.list()).toEqual([]);
  });

  it('an import never makes retention evict the operator\'s own checkpoints', async () => {
    await using host = await checkpointHost(); // minimal tier: keep 3, 20 MiB
    const peer = newSigner();
    const allow = { signer: peer.id, allow_untrusted_signer: true };
    const agent = await spawnAgent(host);
    const own: string[] = [];
    for (let i = 0; i < 3; i++) own.push(((await (await host.api(`/api/agents/${agent}/checkpoint`, { method: 'POST' })).json()) as { checkpoint_id: string }).checkpoint_id);
    // Three imports for the same agent id, dated in the future: they used to push all three out of `keep`.
    for (let i = 0; i < 3; i++) {
      const file = path.join(host.home, `future-${i}.nxsckpt`);
      writeFileSync(file, await craftPortable({ signer: peer, agentId: agent, createdAt: host.ctx.clock.now() + 86_400_000 * (i + 1) }));
      expect((await importFile(host, file, allow)).status).toBe(200);
    }
    const left = host.mgr.list().map((c) => c.checkpoint_id);
    for (const id of own) expect(left).toContain(id);

    // Fill most of the budget with the host's own checkpoints, then import what does not fit in the rest.
    writeFileSync(path.join(host.ctx.config.dataDir, 'SOUL.md'), randomBytes(7 * MiB).toString('base64'));
    const hostOwn: string[] = [];
    for (let i = 0; i < 2; i++) hostOwn.push(((await (await host.api('/api/checkpoints/host', { method: 'POST' })).json()) as { checkpoint_id: string }).checkpoint_id);
    const fits = path.join(host.home, 'fits-budget.nxsckpt');
    writeFileSync(fits, await craftPortable({ signer: peer, files: { 'state/blob.json': JSON.stringify(randomBytes(6 * MiB).toString('base64')) } }));
    const res = await importFile(host, fits, allow);
    expect(res.status).toBe(507);
    expect(code(res)).toBe('NXS_ERR_CHECKPOINT_TOO_LARGE');
    const after = host.mgr.list().map((c) => c.checkpoint_id);
    for (const id of [...own, ...hostOwn]) expect(after).toContain(id);
    for (const id of [...own, ...hostOwn]) expect(existsSync(path.join(host.mgr.dir, `${id}.nxsckpt`))).toBe(true);
  });

  it('scrypt N=2^20, r=32 is refused (422 NXS_ERR_CHECKPOINT_KDF) before any key derivation, even from a trusted, pinned signer', async () => {
    await using host = await checkpointHost();
    const peer = newSigner();
    await trust(host, peer);
    const file = path.join(host.home, 'slow.nxsckpt');
    writeFileSync(file, await craftPortable({ signer: peer, kdf: { N: 2 ** 20, r: 32, p: 1 } }));
    // The loop must stay free: a timer set as the import starts fires before its answer.
    const order: string[] = [];
    const timer = new Promise<void>((resolve) => setImmediate(() => resolve(void order.push('timer'))));
    const res = await importFile(host, file, { signer: peer.id }).then((r) => (order.push('import'), r));
    await timer;
    expect(order[0]).toBe('timer');
    expect(res.status).toBe(422);
    expect(code(res)).toBe('NXS_ERR_CHECKPOINT_KDF');
    // An untrusted signer with the same parameters is refused for its signer first.
    const stranger = path.join(host.home, 'slow-stranger.nxsckpt');
    writeFileSync(stranger, await craftPortable({ kdf: { N: 2 ** 20, r: 32, p: 1 } }));
    expect(code(await importFile(host, stranger))).toBe('NXS_ERR_CHECKPOINT_UNTRUSTED_SIGNER');
    for (const kdf of [{ N: 2 ** 16, r: 8, p: 1 }, { N: 2 ** 15, r: 9, p: 1 }, { N: 2 ** 15, r: 8, p: 2 }, { N: 3 * 2 ** 13, r: 8, p: 1 }]) {
      writeFileSync(file, await craftPortable({ signer: peer, kdf }));
      expect(code(await importFile(host, file)), JSON.stringify(kdf)).toBe('NXS_ERR_CHECKPOINT_KDF');
    }
    expect(host.mgr.list()).toEqual([]);
  });

  it('the key derivation runs off the event loop: a timer fires while scrypt works', async () => {
    let derived = false;
    const key = passphraseKey(PASSPHRASE, randomBytes(16), SCRYPT).then((k) => ((derived = true), k));
    // A synchronous scrypt would have finished before this turn of the loop.
    await new Promise((resolve) => setImmediate(resolve));
    expect(derived).toBe(false);
    expect((await key).length).toBe(32);
  });

  it('verify A refuses checkpoint B\'s file put under A\'s name (422 NXS_ERR_CHECKPOINT_INVALID)', async () => {
    await using host = await checkpointHost();
    const agent = await spawnAgent(host);
    const a = ((await (await host.api(`/api/agents/${agent}/checkpoint`, { method: 'POST' })).json()) as { checkpoint_id: string }).checkpoint_id;
    const b = ((await (await host.api(`/api/agents/${agent}/checkpoint`, { method: 'POST' })).json()) as { checkpoint_id: string }).checkpoint_id;
    const aside = mkdtempSync(path.join(host.home, 'aside-'));
    renameSync(path.join(host.mgr.dir, `${a}.nxsckpt`), path.join(aside, 'a'));
    writeFileSync(path.join(host.mgr.dir, `${a}.nxsckpt`), readFileSync(path.join(host.mgr.dir, `${b}.nxsckpt`)));
    const res = await host.api(`/api/checkpoints/${a}/verify`);
    expect(res.status).toBe(422);
    expect(code(res)).toBe('NXS_ERR_CHECKPOINT_INVALID');
    expect(((await res.json()) as { error: string }).error).toContain(`holds checkpoint ${b}`);
    // Restoring A from B's file is refused the same way.
    expect(code(await host.api('/api/agents/restore', { method: 'POST', json: { checkpoint_id: a } }))).toBe('NXS_ERR_CHECKPOINT_INVALID');
  });
});
