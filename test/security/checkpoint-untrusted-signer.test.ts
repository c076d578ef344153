// Issue 14 item 5: a self-signed checkpoint was imported (no trusted signer was
// needed). Import now accepts this host's key and keys the operator trusted
// with `nxs checkpoint trust add`, or any key only with an explicit flag; the
// audit says which, and the signer is checked before any key derivation.
import { describe, it, expect } from 'vitest';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkpointHost } from '../unit/checkpoints/host.ts';
import { craftPortable, newSigner, PASSPHRASE } from './support/crafted-checkpoint.ts';

const code = (res: Response): string | null => res.headers.get('x-nxs-error-code');
const files = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.nxsckpt'));

describe('checkpoint import: only trusted signers', () => {
  it('refuses a self-signed file (422 NXS_ERR_CHECKPOINT_UNTRUSTED_SIGNER), stores nothing, and audits the refusal', async () => {
    await using host = await checkpointHost();
    const attacker = newSigner();
    const file = path.join(host.home, 'gift.nxsckpt');
    writeFileSync(file, await craftPortable({ signer: attacker, files: { 'state/notes.json': '{"notes":[]}' } }));

    const res = await host.api('/api/checkpoints/import', { method: 'POST', json: { file, passphrase: PASSPHRASE } });
    expect(res.status).toBe(422);
    expect(code(res)).toBe('NXS_ERR_CHECKPOINT_UNTRUSTED_SIGNER');
    expect(((await res.json()) as { error: string }).error).toContain(attacker.id);
    // Pinning the attacker's own fingerprint does not make it trusted.
    expect(code(await host.api('/api/checkpoints/import', { method: 'POST', json: { file, passphrase: PASSPHRASE, signer: attacker.id } }))).toBe('NXS_ERR_CHECKPOINT_UNTRUSTED_SIGNER');
    expect(files(host.mgr.dir)).toEqual([]);
    expect(host.mgr.list()).toEqual([]);
    const audit = (await (await host.api('/api/audit/host')).json()) as { entries: { operation_type: string; allowed: boolean; details?: Record<string, unknown> }[] };
    expect(audit.entries).toContainEqual(expect.objectContaining({ operation_type: 'checkpoint.import.signer', allowed: false, details: expect.objectContaining({ code: 'NXS_ERR_CHECKPOINT_UNTRUSTED_SIGNER', signer: attacker.id }) }));
  });

  it('refuses a file that carries an attacker key under this host\'s fingerprint', async () => {
    await using host = await checkpointHost();
    // The header claims this host as its signer; the key in the file (which signed it) is the attacker's.
    const file = path.join(host.home, 'claims-host.nxsckpt');
    writeFileSync(file, await craftPortable({ claimSigner: host.mgr.signerId }));
    const res = await host.api('/api/checkpoints/import', { method: 'POST', json: { file, passphrase: PASSPHRASE } });
    expect(res.status).toBe(422);
    expect(code(res)).toBe('NXS_ERR_CHECKPOINT_TAMPERED');
    expect(files(host.mgr.dir)).toEqual([]);
  });

  it('accepts a key the operator trusted, or any key with allow_untrusted_signer; the audit says which', async () => {
    await using host = await checkpointHost();
    const peer = newSigner();
    const stranger = newSigner();
    const fromPeer = path.join(host.home, 'peer.nxsckpt');
    const fromStranger = path.join(host.home, 'stranger.nxsckpt');
    writeFileSync(fromPeer, await craftPortable({ signer: peer }));
    writeFileSync(fromStranger, await craftPortable({ signer: stranger }));

    const added = await host.api('/api/checkpoints/trust', { method: 'POST', json: { public_key: peer.publicKey.export({ type: 'spki', format: 'pem' }).toString() } });
    expect(await added.json()).toEqual({ signer: peer.id, added: true });
    const ok = await host.api('/api/checkpoints/import', { method: 'POST', json: { file: fromPeer, passphrase: PASSPHRASE } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ signer: peer.id, trust: 'trusted' });

    const explicit = await host.api('/api/checkpoints/import', { method: 'POST', json: { file: fromStranger, passphrase: PASSPHRASE, allow_untrusted_signer: true } });
    expect(explicit.status).toBe(200);
    expect(await explicit.json()).toMatchObject({ signer: stranger.id, trust: 'untrusted-allowed' });

    // Removing the trust closes the door again.
    expect((await host.api(`/api/checkpoints/trust/${peer.id}`, { method: 'DELETE' })).status).toBe(200);
    const again = path.join(host.home, 'peer2.nxsckpt');
    writeFileSync(again, await craftPortable({ signer: peer }));
    expect(code(await host.api('/api/checkpoints/import', { method: 'POST', json: { file: again, passphrase: PASSPHRASE } }))).toBe('NXS_ERR_CHECKPOINT_UNTRUSTED_SIGNER');

    const audit = (await (await host.api('/api/audit/host')).json()) as { entries: { operation_type: string; allowed: boolean; details?: Record<string, unknown> }[] };
    const ops = audit.entries.map((e) => [e.operation_type, e.allowed, e.details?.trust ?? e.details?.signer ?? null]);
    expect(ops).toContainEqual(['checkpoint.trust_add', true, peer.id]);
    expect(ops).toContainEqual(['checkpoint.import.signer', true, 'trusted']);
    expect(ops).toContainEqual(['checkpoint.import.signer', true, 'untrusted-allowed']);
    expect(ops).toContainEqual(['checkpoint.trust_rm', true, peer.id]);
    // A token without ADMIN cannot add a signer.
    const weak = ((await (await host.api('/api/tokens', { method: 'POST', json: { capabilities: ['SPAWN_AGENT'], name: 'weak' } })).json()) as { token: string }).token;
    expect((await host.api('/api/checkpoints/trust', { method: 'POST', json: { public_key: stranger.b64 }, token: weak })).status).toBe(403);
  });
});
