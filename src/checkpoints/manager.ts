import { mkdirSync, readFileSync, rmSync, renameSync, mkdtempSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { NxsError, errorMessage, systemErrorCode } from '../core/errors.ts';
import type { Context } from '../core/context.ts';
import type { Supervisor } from '../supervisor/types.ts';
import { writeFileAtomic } from '../runtime/atomic-write.ts';
import { FORMAT_VERSION, seal, type ContainerHeader } from './container.ts';
import { packFiles } from './archive.ts';
import { keyId, type CheckpointKeys } from './keys.ts';
import { openCheckpoint, passphraseKey, sha256, SCRYPT, type KeySource, type Manifest, type OpenedCheckpoint } from './open-checkpoint.ts';
import { StateProviderRegistry, type StateProvider } from './state-providers.ts';
import { insertRow, getRow, listRows, deleteRow, type CheckpointRow } from './checkpoint-index.ts';
import { planRetention } from './retention.ts';
import { assertNoSecrets, dropCredentialKeys } from './secret-guard.ts';
import { snapshotHost } from './host-snapshot.ts';

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

  constructor(ctx: Context, keys: CheckpointKeys, supervisor: () => Supervisor | null) {
    this.ctx = ctx;
    this.keys = keys;
    this.supervisor = supervisor;
    this.dir = ctx.config.checkpoints.dir ?? path.join(ctx.config.dataDir, 'checkpoints');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
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

  /** Atomic: the file is renamed into place, then indexed; retention runs after. */
  private store(header: ContainerHeader, blob: Buffer, origin: string): CheckpointSummary {
    const file = path.join(this.dir, `${header.id}.nxsckpt`);
    writeFileAtomic(file, blob, 0o600);
    const row: CheckpointRow = { id: header.id, kind: header.kind, agent_id: header.agent_id, agent_name: header.agent_name, created_at: header.created_at, bytes: blob.length, file: path.basename(file), format: FORMAT_VERSION, signer: header.signer.id, origin };
    try {
      insertRow(this.ctx.db, row);
    } catch (err) {
      rmSync(file, { force: true });
      if (systemErrorCode(err) === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new NxsError('NXS_ERR_BAD_REQUEST', `checkpoint ${header.id} is already on this host`);
      throw err;
    }
    this.applyRetention();
    return summary(row);
  }

  applyRetention(): string[] {
    const rows = listRows(this.ctx.db);
    const doomed = planRetention(rows.map((r) => ({ id: r.id, subject: r.agent_id, createdAt: r.created_at, bytes: r.bytes })), this.ctx.profile.current.checkpoints, this.ctx.clock.now());
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
    rmSync(path.join(this.dir, row.file), { force: true });
    deleteRow(this.ctx.db, id);
  }

  /** Full check: signature, key, archive safety, manifest checksums. */
  async verify(id: string): Promise<CheckpointSummary & { valid: true; files: number }> {
    const opened = await this.open(id);
    return { ...this.get(id), valid: true, files: opened.files.size - 1 };
  }

  async open(id: string): Promise<OpenedCheckpoint> {
    return openCheckpoint(this.readFile(this.row(id)), this.keys.signPublic, { key: this.keys.encKey }, { maxBytes: 4 * this.ctx.profile.current.checkpoints.maxBytes });
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
    const key = passphraseKey(passphrase, salt);
    const kdf = { name: 'scrypt' as const, salt: salt.toString('base64'), ...SCRYPT };
    const portable = this.header(header.id, header.kind, null, header.created_at, keyId(key), kdf);
    portable.agent_id = header.agent_id;
    portable.agent_name = header.agent_name;
    const blob = seal({ header: portable, plaintext: await packFiles(files), encKey: key, signKey: this.keys.signPrivate });
    writeFileAtomic(file, blob, 0o600);
    return { file, bytes: blob.length, signer: this.keys.signerId };
  }

  /** Opens a portable file with its passphrase, checks the signer if pinned, and stores it under this host's keys. */
  async importFrom(file: string, passphrase: string, expectSigner?: string): Promise<CheckpointSummary> {
    let blob: Buffer;
    try {
      blob = readFileSync(file);
    } catch (err) {
      throw new NxsError(systemErrorCode(err) === 'ENOENT' ? 'NXS_ERR_NOT_FOUND' : 'NXS_ERR_BAD_REQUEST', `cannot read ${file}: ${errorMessage(err)}`);
    }
    this.ctx.redactor.add(passphrase);
    const keys: KeySource = { passphrase };
    const { header, files } = await openCheckpoint(blob, 'embedded', keys, { maxBytes: 4 * this.ctx.profile.current.checkpoints.maxBytes });
    if (expectSigner && header.signer.id !== expectSigner) {
      throw new NxsError('NXS_ERR_CHECKPOINT_TAMPERED', `${file} is signed by ${header.signer.id}, not by the expected ${expectSigner}`);
    }
    const local = this.header(header.id, header.kind, null, header.created_at, this.keys.encKeyId);
    local.agent_id = header.agent_id;
    local.agent_name = header.agent_name;
    const sealed = seal({ header: local, plaintext: await packFiles(files), encKey: this.keys.encKey, signKey: this.keys.signPrivate });
    return this.store(local, sealed, `import:${header.signer.id}`);
  }

  private row(id: string): CheckpointRow {
    const row = getRow(this.ctx.db, id);
    if (!row) throw new NxsError('NXS_ERR_CHECKPOINT_NOT_FOUND', `no checkpoint ${id}`, { checkpoint_id: id });
    return row;
  }

  private readFile(row: CheckpointRow): Buffer {
    try {
      return readFileSync(path.join(this.dir, row.file));
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

function summary(r: CheckpointRow): CheckpointSummary {
  return { checkpoint_id: r.id, kind: r.kind, agent_id: r.agent_id, agent_name: r.agent_name, created_at: r.created_at, bytes: r.bytes, signer: r.signer, origin: r.origin };
}
