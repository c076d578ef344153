import { mkdirSync, readFileSync, rmSync, renameSync, mkdtempSync, existsSync, constants } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes, type KeyObject } from 'node:crypto';
import { NxsError, errorMessage, systemErrorCode } from '../core/errors.ts';
import type { Context } from '../core/context.ts';
import type { Supervisor } from '../supervisor/types.ts';
import { writeFileAtomic } from '../runtime/atomic-write.ts';
import { FORMAT_VERSION, seal, assertCheckpointId, CHECKPOINT_ID, type ContainerHeader } from './container.ts';
import { packFiles } from './archive.ts';
import { keyId, type CheckpointKeys } from './keys.ts';
import { openCheckpoint, passphraseKey, sha256, SCRYPT, type KeySource, type Manifest, type OpenedCheckpoint } from './open-checkpoint.ts';
import { StateProviderRegistry, type StateProvider } from './state-providers.ts';
import { insertRow, getRow, listRows, deleteRow, type CheckpointRow } from './checkpoint-index.ts';
import { planRetention } from './retention.ts';
import { assertNoSecrets, dropCredentialKeys } from './secret-guard.ts';
import { snapshotHost } from './host-snapshot.ts';
import { assertHostArchive } from './restorable-files.ts';
import { TrustedSigners } from './trusted-signers.ts';
import { writeNewFile } from './write-new-file.ts';

/** Why an imported file's signer was accepted; the audit entry of the import says which. */
export type SignerTrust = 'self' | 'trusted' | 'untrusted-allowed';

export interface ImportOptions {
  /** Refuse the file unless its key has this fingerprint. */
  signer?: string | undefined;
  /** Accept a signer that is neither this host nor trusted (the operator said so explicitly). */
  allowUntrustedSigner?: boolean | undefined;
}

export interface CheckpointSummary {
  checkpoint_id: string;
  kind: 'agent' | 'host';
  agent_id: string | null;
  agent_name: string | null;
  created_at: number;
  bytes: number;
  signer: string;
  origin: string;
}

/** Checkpoints of agents and of the whole host: create, list, verify, restore, remove, export, import. */
export class CheckpointManager {
  private readonly ctx: Context;
  private readonly keys: CheckpointKeys;
  private readonly supervisor: () => Supervisor | null;
  readonly dir: string;
  readonly providers = new StateProviderRegistry();
  readonly trusted: TrustedSigners;

  constructor(ctx: Context, keys: CheckpointKeys, supervisor: () => Supervisor | null) {
    this.ctx = ctx;
    this.keys = keys;
    this.supervisor = supervisor;
    this.dir = ctx.config.checkpoints.dir ?? path.join(ctx.config.dataDir, 'checkpoints');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.trusted = new TrustedSigners(path.join(ctx.config.home, 'keys', 'checkpoint-trusted'));
  }

  /** This host's signing key, to give to another host's nxs checkpoint trust add. */
  get publicKeyPem(): string {
    return this.keys.signPublic.export({ type: 'spki', format: 'pem' }).toString();
  }

  registerStateProvider(name: string, provider: StateProvider): void {
    this.providers.register(name, provider);
  }

  get signerId(): string {
    return this.keys.signerId;
  }

  async createAgent(agentId: string): Promise<CheckpointSummary> {
    const sup = this.requireSupervisor();
    const info = sup.get(agentId);
    if (!info) throw new NxsError('NXS_ERR_NOT_FOUND', `no agent ${agentId}`, { agent_id: agentId });
    const files = new Map<string, Buffer>();
    for (const name of this.providers.names()) {
      const data = await this.providers.get(name)!.export(agentId);
      if (data !== undefined) files.set(`state/${name}.json`, Buffer.from(JSON.stringify(data), 'utf8'));
    }
    const agent = { agent_id: agentId, name: info.name, capabilities: [...info.capabilities], settings: dropCredentialKeys(sup.settingsOf?.(agentId) ?? {}) as Record<string, unknown> };
    return this.write('agent', agent, files);
  }

  async createHost(): Promise<CheckpointSummary> {
    return this.write('host', null, await snapshotHost(this.ctx));
  }

  private async write(kind: 'agent' | 'host', agent: Manifest['agent'], files: Map<string, Buffer>): Promise<CheckpointSummary> {
    const now = this.ctx.clock.now();
    const id = `ckpt_${now.toString(36)}_${randomBytes(5).toString('hex')}`;
    const manifest: Manifest = { format: 1, id, kind, created_at: now, nxs_version: this.ctx.version, agent, files: {} };
    for (const [name, data] of files) {
      assertNoSecrets(this.ctx.redactor, name, data);
      manifest.files[name] = sha256(data);
    }
    const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 2), 'utf8');
    assertNoSecrets(this.ctx.redactor, 'manifest.json', manifestBytes);
    const tarball = await packFiles(new Map([['manifest.json', manifestBytes], ...files]));
    const header = this.header(id, kind, agent, now, this.keys.encKeyId);
    const blob = seal({ header, plaintext: tarball, encKey: this.keys.encKey, signKey: this.keys.signPrivate });
    const budget = this.ctx.profile.current.checkpoints.maxBytes;
    if (blob.length > budget) {
      throw new NxsError('NXS_ERR_CHECKPOINT_TOO_LARGE', `the checkpoint would be ${blob.length} bytes; the ${this.ctx.profile.current.tier} tier allows ${budget}`, { bytes: blob.length, budget });
    }
    return this.store(header, blob, 'local');
  }

  private header(id: string, kind: 'agent' | 'host', agent: Manifest['agent'], now: number, encKeyId: string, kdf?: ContainerHeader['enc']['kdf']): ContainerHeader {
    return {
      id,
      kind,
      agent_id: agent?.agent_id ?? null,
      agent_name: agent?.name ?? null,
      created_at: now,
      enc: { alg: 'aes-256-gcm', key_id: encKeyId, ...(kdf ? { kdf } : {}) },
      signer: { alg: 'ed25519', id: this.keys.signerId, public_key: this.keys.publicKeyB64 },
    };
  }

  /**
   * The file is linked into place (never over an existing one), then indexed;
   * retention runs after. A failure removes only the file this call created.
   */
  private store(header: ContainerHeader, blob: Buffer, origin: string): CheckpointSummary {
    const file = path.join(this.dir, `${assertCheckpointId(header.id, 'the checkpoint')}.nxsckpt`);
    this.assertNew(header.id);
    writeNewFile(file, blob, 0o600, () => exists(header.id));
    const row: CheckpointRow = { id: header.id, kind: header.kind, agent_id: header.agent_id, agent_name: header.agent_name, created_at: header.created_at, bytes: blob.length, file: path.basename(file), format: FORMAT_VERSION, signer: header.signer.id, origin };
    try {
      insertRow(this.ctx.db, row);
    } catch (err) {
      rmSync(file, { force: true });
      if (systemErrorCode(err) === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw exists(header.id);
      throw err;
    }
    this.applyRetention(origin === 'local' ? 'all' : 'imports');
    return summary(row);
  }

  /** An id already indexed, or a file already in the folder, is never replaced. */
  private assertNew(id: string): void {
    if (getRow(this.ctx.db, id) || existsSync(path.join(this.dir, `${id}.nxsckpt`))) throw exists(id);
  }

  /** `imports`: an import may push out older imports, never a checkpoint made here. */
  applyRetention(scope: 'all' | 'imports' = 'all'): string[] {
    const rows = listRows(this.ctx.db);
    const imported = new Set(rows.filter(isImported).map((r) => r.id));
    const planned = planRetention(rows.map((r) => ({ id: r.id, subject: r.agent_id, createdAt: r.created_at, bytes: r.bytes, imported: imported.has(r.id) })), this.ctx.profile.current.checkpoints, this.ctx.clock.now());
    const doomed = scope === 'all' ? planned : planned.filter((id) => imported.has(id));
    for (const id of doomed) this.remove(id);
    if (doomed.length) this.ctx.log.info({ removed: doomed }, 'checkpoint retention removed old checkpoints');
    return doomed;
  }

  list(agentId?: string): CheckpointSummary[] {
    return listRows(this.ctx.db, agentId).map(summary);
  }

  get(id: string): CheckpointSummary {
    return summary(this.row(id));
  }

  remove(id: string): void {
    const row = this.row(id);
    // A row whose id is no checkpoint id (a crafted store restored) names no file to delete.
    if (CHECKPOINT_ID.test(row.id)) rmSync(path.join(this.dir, `${row.id}.nxsckpt`), { force: true });
    deleteRow(this.ctx.db, id);
  }

  /** Full check: signature, key, archive safety, manifest checksums. */
  async verify(id: string): Promise<CheckpointSummary & { valid: true; files: number }> {
    const opened = await this.open(id);
    return { ...this.get(id), valid: true, files: opened.files.size - 1 };
  }

  /** The file must carry the id it is indexed under: `verify A` never vouches for B's file. */
  async open(id: string): Promise<OpenedCheckpoint> {
    return openCheckpoint(this.readFile(this.row(id)), this.keys.signPublic, { key: this.keys.encKey }, { maxBytes: 4 * this.ctx.profile.current.checkpoints.maxBytes, expectId: id });
  }

  /**
   * Validates everything first (signature, key, archive, every provider's
   * data), then spawns the agent and imports all state in one transaction:
   * a failure anywhere leaves no agent and no rows behind.
   */
  async restoreAgent(id: string, by: string): Promise<{ agent_id: string; instance_id: string }> {
    const { manifest, files } = await this.open(id);
    if (manifest.kind !== 'agent' || !manifest.agent) throw new NxsError('NXS_ERR_BAD_REQUEST', `checkpoint ${id} is a whole-host checkpoint; restore it with: nxs checkpoint restore ${id}, which stages it, then stop the host and run: nxs checkpoint restore ${id} --apply-staged`);
    const sup = this.requireSupervisor();
    const states: { name: string; provider: StateProvider; data: unknown }[] = [];
    for (const [file, raw] of files) {
      const m = /^state\/([a-z][a-z0-9_-]*)\.json$/.exec(file);
      if (!m) continue;
      const provider = this.providers.get(m[1]!);
      if (!provider) throw new NxsError('NXS_ERR_CHECKPOINT_INVALID', `checkpoint ${id} holds ${m[1]} state, which no part of this host can restore`);
      let data: unknown;
      try {
        data = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new NxsError('NXS_ERR_CHECKPOINT_INVALID', `${file} in checkpoint ${id} is not valid JSON`);
      }
      provider.validate?.(data);
      states.push({ name: m[1]!, provider, data });
    }
    const a = manifest.agent;
    // Spawn outside the transaction (the supervisor owns its rows and worker),
    // import inside it; a failure rolls the imports back and kills the agent.
    const spawned = sup.spawn({ name: a.name, capabilities: a.capabilities as never, settings: a.settings }, by);
    try {
      this.ctx.db.transaction(() => {
        for (const s of states) s.provider.import(spawned.agent_id, s.data);
      })();
    } catch (err) {
      for (const s of states) s.provider.onRollback?.();
      this.killQuietly(sup, spawned.agent_id, by);
      throw err;
    }
    for (const s of states) {
      try {
        s.provider.afterCommit?.(spawned.agent_id, s.data);
      } catch (err) {
        this.ctx.log.warn({ provider: s.name, agent_id: spawned.agent_id, err: this.ctx.redactor.scrub(errorMessage(err)) }, 'restored state committed; a step outside the store failed');
      }
    }
    return spawned;
  }

  /** A host checkpoint cannot replace the open store under a running host: it is verified, then staged for the next start. */
  async stageHost(id: string): Promise<{ staged: string }> {
    const { manifest, files } = await this.open(id);
    if (manifest.kind !== 'host') throw new NxsError('NXS_ERR_BAD_REQUEST', `checkpoint ${id} is an agent checkpoint; restore it with POST /api/agents/restore`);
    assertHostArchive(files.keys());
    const target = path.join(this.ctx.config.dataDir, 'restore', id);
    const tmp = mkdtempSync(path.join(this.ctx.config.dataDir, '.restore-'));
    try {
      for (const [name, data] of files) {
        mkdirSync(path.dirname(path.join(tmp, name)), { recursive: true, mode: 0o700 });
        writeFileAtomic(path.join(tmp, name), data, 0o600);
      }
      mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
      renameSync(tmp, target);
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      throw new NxsError('NXS_ERR_DATA_DIR', `cannot stage checkpoint ${id} in ${target}: ${errorMessage(err)}`);
    }
    return { staged: target };
  }

  /** Re-encrypts under a passphrase (scrypt) and re-signs; the file carries this host's public key. */
  async exportTo(id: string, file: string, passphrase: string): Promise<{ file: string; bytes: number; signer: string }> {
    this.ctx.redactor.add(passphrase);
    const { header, files } = await this.open(id);
    const salt = randomBytes(16);
    const key = await passphraseKey(passphrase, salt);
    const kdf = { name: 'scrypt' as const, salt: salt.toString('base64'), ...SCRYPT };
    const portable = this.header(header.id, header.kind, null, header.created_at, keyId(key), kdf);
    portable.agent_id = header.agent_id;
    portable.agent_name = header.agent_name;
    const blob = seal({ header: portable, plaintext: await packFiles(files), encKey: key, signKey: this.keys.signPrivate });
    writeFileAtomic(file, blob, 0o600);
    return { file, bytes: blob.length, signer: this.keys.signerId };
  }

  /**
   * Opens a portable file with its passphrase and stores it under this host's
   * keys. Before any expensive work: the file's size against the tier's budget
   * (and the room left in it), the header (id, scrypt parameters), the signer
   * (this host, a trusted key, or explicitly allowed) and the signature, and
   * that no checkpoint with its id is here already.
   */
  async importFrom(file: string, passphrase: string, opts: ImportOptions = {}): Promise<CheckpointSummary & { trust: SignerTrust }> {
    const budget = this.ctx.profile.current.checkpoints.maxBytes;
    const used = listRows(this.ctx.db).reduce((sum, r) => sum + r.bytes, 0);
    const blob = await readBounded(file, Math.min(budget, Math.max(0, budget - used)), (size) =>
      size > budget
        ? new NxsError('NXS_ERR_CHECKPOINT_TOO_LARGE', `${file} is ${size} bytes; the ${this.ctx.profile.current.tier} tier allows checkpoints of ${budget} bytes in all`, { bytes: size, budget })
        : new NxsError('NXS_ERR_CHECKPOINT_TOO_LARGE', `${file} is ${size} bytes; the checkpoints here already use ${used} of the ${budget} bytes the ${this.ctx.profile.current.tier} tier allows. An import never pushes out this host's own checkpoints: remove some with nxs checkpoint rm first`, { bytes: size, budget, used }),
    );
    this.ctx.redactor.add(passphrase);
    let trust: SignerTrust | null = null;
    const { header, files, signer } = await openCheckpoint(blob, (fingerprint, key) => void (trust = this.trustOf(file, fingerprint, key, opts)), { passphrase }, { maxBytes: budget, beforeDecrypt: (h) => this.assertNew(h.id) });
    if (header.kind === 'host') assertHostArchive(files.keys());
    const local = this.header(header.id, header.kind, null, header.created_at, this.keys.encKeyId);
    local.agent_id = header.agent_id;
    local.agent_name = header.agent_name;
    const sealed = seal({ header: local, plaintext: await packFiles(files), encKey: this.keys.encKey, signKey: this.keys.signPrivate });
    if (sealed.length + used > budget) throw new NxsError('NXS_ERR_CHECKPOINT_TOO_LARGE', `checkpoint ${header.id} takes ${sealed.length} bytes; ${Math.max(0, budget - used)} of the tier's ${budget} are free. Remove checkpoints with nxs checkpoint rm first`, { bytes: sealed.length, budget, used });
    return { ...this.store(local, sealed, `import:${signer}`), trust: trust! };
  }

  /** This host's own key, a key the operator trusted, or (only when asked) any key. */
  private trustOf(file: string, fingerprint: string, key: KeyObject, opts: ImportOptions): SignerTrust {
    if (opts.signer !== undefined && opts.signer !== fingerprint) {
      throw new NxsError('NXS_ERR_CHECKPOINT_UNTRUSTED_SIGNER', `${file} is signed by ${fingerprint}, not by the expected ${opts.signer}`, { signer: fingerprint, expected: opts.signer });
    }
    if (this.keys.signPublic.equals(key)) return 'self';
    if (this.trusted.get(fingerprint)?.equals(key)) return 'trusted';
    if (opts.allowUntrustedSigner) return 'untrusted-allowed';
    throw new NxsError('NXS_ERR_CHECKPOINT_UNTRUSTED_SIGNER', `${file} is signed by ${fingerprint}, a key this host does not trust. If you know that key's owner, add its public key (nxs checkpoint pubkey on that host) with: nxs checkpoint trust add FILE; or import once with --allow-untrusted-signer`, { signer: fingerprint });
  }

  private row(id: string): CheckpointRow {
    const row = getRow(this.ctx.db, id);
    if (!row) throw new NxsError('NXS_ERR_CHECKPOINT_NOT_FOUND', `no checkpoint ${id}`, { checkpoint_id: id });
    return row;
  }

  private readFile(row: CheckpointRow): Buffer {
    const name = `${assertCheckpointId(row.id, `the index row ${JSON.stringify(row.id.slice(0, 80))}`)}.nxsckpt`;
    if (row.file !== name) throw new NxsError('NXS_ERR_CHECKPOINT_INVALID', `the index names ${JSON.stringify(row.file.slice(0, 80))} as the file of checkpoint ${row.id}; only ${name} is read`);
    try {
      return readFileSync(path.join(this.dir, name));
    } catch (err) {
      throw new NxsError('NXS_ERR_CHECKPOINT_NOT_FOUND', `checkpoint ${row.id} is indexed but its file cannot be read: ${errorMessage(err)}`);
    }
  }

  private requireSupervisor(): Supervisor {
    const sup = this.supervisor();
    if (!sup) throw new NxsError('NXS_ERR_CHECKPOINT_UNAVAILABLE', 'agent checkpoints need the supervisor, which is not running on this host');
    return sup;
  }

  private killQuietly(sup: Supervisor, agentId: string, by: string): void {
    try {
      sup.kill(agentId, by);
    } catch (err) {
      this.ctx.log.warn({ agentId, err: errorMessage(err) }, 'could not stop the agent of a failed restore');
    }
  }
}

function exists(id: string): NxsError {
  return new NxsError('NXS_ERR_CHECKPOINT_EXISTS', `checkpoint ${id} is already on this host; the one here is kept. To replace it, remove it first: nxs checkpoint rm ${id}`, { checkpoint_id: id });
}

function isImported(r: CheckpointRow): boolean {
  return r.origin.startsWith('import:');
}

/**
 * Reads a file of at most `max` bytes: the size is checked from fstat before a
 * byte is read, and no more than that size is ever read (a file growing while
 * it is read is cut there, then refused as truncated by the container check).
 */
async function readBounded(file: string, max: number, tooLarge: (size: number) => NxsError): Promise<Buffer> {
  let fh: Awaited<ReturnType<typeof openFile>>;
  try {
    // O_NONBLOCK: a FIFO given as the file must not park a thread waiting for a writer.
    fh = await openFile(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new NxsError(systemErrorCode(err) === 'ENOENT' ? 'NXS_ERR_NOT_FOUND' : 'NXS_ERR_BAD_REQUEST', `cannot read ${file}: ${errorMessage(err)}`);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new NxsError('NXS_ERR_BAD_REQUEST', `${file} is not a regular file`);
    if (st.size > max) throw tooLarge(st.size);
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const { bytesRead } = await fh.read(buf, off, st.size - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return buf.subarray(0, off);
  } finally {
    await fh.close();
  }
}

function summary(r: CheckpointRow): CheckpointSummary {
  return { checkpoint_id: r.id, kind: r.kind, agent_id: r.agent_id, agent_name: r.agent_name, created_at: r.created_at, bytes: r.bytes, signer: r.signer, origin: r.origin };
}
