import { errorMessage } from '../core/errors.ts';
import { mkdirSync, chownSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Context } from '../core/context.ts';
import { NxsError } from '../core/errors.ts';
import type { AuditTrail } from '../supervisor/types.ts';
import type { RunResult, SandboxBackend, BackendName } from './backend.ts';
import { BwrapBackend, probeBwrap } from './bwrap-backend.ts';
import { DockerBackend, probeDocker } from './docker-backend.ts';
import { NoneBackend } from './none-backend.ts';
import { EgressProxy } from './egress-proxy.ts';
import { planForwarderLaunch, writeForwarder, type ForwarderLaunch } from './forwarder-launch.ts';
import { buildMountTable, type MountTable, type Trust } from './mount-table.ts';
import { Overrides } from './overrides.ts';
import { which } from './which.ts';
import { reachableBy } from './reachable.ts';
import { sweepStaleRunDirs, tempRoot } from './run-dir.ts';
import { WorkspaceQuota } from './workspace-quota.ts';

export interface SandboxDeps {
  audit: AuditTrail;
  /**
   * The backend probe starts when this settles (the host passes its `host.ready`
   * event, so the probe's process spawn is not on the path to ready); at once when absent.
   */
  probeAfter?: Promise<unknown>;
}

export interface ShellRun {
  command: string;
  trust: Trust;
  agentId: string;
  principal: string;
  /** The proxy socket is bound in (the toolbox sets this for main conversations of agents holding ACCESS_NET). */
  network: boolean;
  onOutput?: (chunk: Buffer, stream: 'stdout' | 'stderr') => void;
  signal?: AbortSignal;
}

/**
 * The sandbox as the tools see it: the mount view of each trust level, the
 * chosen backend, the egress proxy and the owner's overrides. `create` starts
 * the bwrap probe (tens of ms) and returns; a container runtime is probed only
 * when bwrap fails, in the background, so boot never waits on a hung daemon.
 */
export class Sandbox {
  readonly overrides: Overrides;
  readonly proxy: EgressProxy;
  readonly workspace: string;
  /** The workspace's disk bound (the tier's `sandbox.workspaceMb`): commands and write_file are held to it. */
  readonly quota: WorkspaceQuota;
  /** Who owns what the sandbox writes: set when nxs runs as root (commands run as this uid instead). */
  readonly owner: { uid: number; gid: number } | null;
  private readonly tables: Record<Trust, MountTable>;
  private readonly ctx: Context;
  private backend: SandboxBackend;
  private detail: string;
  /** Settles once a backend is chosen (a container probe may still be running after create). */
  private ready: Promise<void> = Promise.resolve();
  /** Settles once the bwrap probe has answered, whatever it said. */
  private bwrapSettled: Promise<void> = Promise.resolve();
  private readonly tried: string[] = [];
  /** How the in-sandbox egress forwarder starts, when one can run. */
  private forwarder: ForwarderLaunch | null = null;
  private forwarderProblem = 'no way to run the in-sandbox egress forwarder';
  /** Aborted when the host stops: every command still running is killed (killed: "aborted"). */
  private readonly stopping = new AbortController();
  /** Where the host's private temp folders go (TMPDIR of the host's env). */
  private readonly tmp: string;

  private constructor(ctx: Context, deps: SandboxDeps) {
    this.ctx = ctx;
    const cfg = ctx.config.sandbox;
    this.owner = process.getuid?.() === 0 ? cfg.runAs : null;
    this.workspace = path.resolve(cfg.workspace ?? path.join(ctx.config.home, 'workspace'));
    prepareWorkspace(this.workspace, this.owner);
    this.quota = new WorkspaceQuota(this.workspace, () => ({ bytes: ctx.profile.current.sandbox.workspaceMb * 1024 * 1024, tier: ctx.profile.current.tier }));
    this.tmp = tempRoot(ctx.env);
    // A host that was killed (SIGKILL, power loss) never ran its stop: its temp folders are removed here, once nothing holds them.
    const swept = sweepStaleRunDirs(this.tmp, process.getuid?.() ?? -1);
    if (swept.length > 0) ctx.log.info({ removed: swept }, 'sandbox: removed temp folders left by a host that did not stop cleanly');
    const input = { workspace: this.workspace, extra: cfg.mounts, systemPaths: cfg.systemPaths, dataDir: ctx.config.dataDir, home: ctx.config.home };
    this.tables = { main: buildMountTable({ ...input, trust: 'main' }), other: buildMountTable({ ...input, trust: 'other' }) };
    this.overrides = new Overrides({ clock: ctx.clock, log: ctx.log, audit: deps.audit, maxMinutes: cfg.maxOverrideMinutes });
    this.proxy = new EgressProxy({ clock: ctx.clock, log: ctx.log, audit: deps.audit, allow: () => cfg.egress.allow, overrides: () => this.overrides.egress(), tmp: this.tmp });
    this.backend = new NoneBackend({ clock: ctx.clock, killGraceMs: cfg.killGraceMs, runAs: this.owner });
    this.detail = 'detecting';
    ctx.lifecycle.onStop('sandbox', () => {
      this.stopping.abort(new Error('host stopping'));
      this.overrides.stop();
      this.proxy.close();
    });
  }

  static async create(ctx: Context, deps: SandboxDeps): Promise<Sandbox> {
    const s = new Sandbox(ctx, deps);
    // The bwrap probe spawns a process (tens of ms): readiness does not wait for it,
    // and in the host it starts only once the host is ready. Every command awaits
    // `ready`, so none runs before the backend is chosen.
    const bwrap = deps.probeAfter ? deps.probeAfter.then(() => s.selectBwrap()) : s.selectBwrap();
    s.bwrapSettled = bwrap.then(
      () => {},
      () => {},
    );
    s.ready = bwrap.then((ok) => {
      if (ok) return;
      s.detail = ctx.config.sandbox.backend === 'none' ? 'sandbox.backend is none' : `${s.tried.join('; ')}; probing for a container runtime`;
      return s.selectContainer();
    }).catch((err: unknown) => {
      // Never an unhandled rejection: a failed probe leaves the refusing `none` backend and says why.
      s.detail = `backend probe failed: ${errorMessage(err)}`;
      ctx.log.error({ err: errorMessage(err) }, 'sandbox backend probe failed; risky tools are refused');
    });
    return s;
  }

  /** Settles once the backend is final (a container probe may outlive create). */
  selected(): Promise<void> {
    return this.ready;
  }

  /**
   * The status once the bwrap probe (bounded by its own timeout) has answered: what
   * GET /api/sandbox shows, so a client asking just after ready sees the backend
   * rather than "detecting". A container probe is not waited for.
   */
  async settledStatus(): Promise<Record<string, unknown>> {
    await this.bwrapSettled;
    return this.status();
  }

  table(trust: Trust): MountTable {
    return this.tables[trust];
  }

  get backendName(): BackendName {
    return this.backend.name;
  }

  status(): Record<string, unknown> {
    return {
      backend: this.backend.name,
      detail: this.detail,
      workspace: this.workspace,
      egress_allow: this.ctx.config.sandbox.egress.allow.length,
      overrides: this.overrides.list().map((o) => ({ id: o.id, kind: o.kind, expires_at: new Date(o.expiresAt).toISOString() })),
    };
  }

  /** Runs a shell command confined, or refuses with the reason when no backend confines and no override allows it. */
  async runShell(run: ShellRun): Promise<RunResult & { unsandboxed: boolean }> {
    await this.ready;
    let unsandboxed = false;
    if (this.backend.name === 'none') {
      const o = this.overrides.unsandboxed();
      if (!o) {
        throw new NxsError('NXS_ERR_SANDBOX_UNAVAILABLE', `no sandbox works on this host (${this.detail}); commands are refused rather than run unconfined. The owner can allow unsandboxed runs for a limited time: nxs sandbox allow-unsandboxed --minutes N --reason "..."`, { backend: 'none' });
      }
      unsandboxed = true;
      this.ctx.log.warn({ agent_id: run.agentId, override_id: o.id }, 'running a command WITHOUT a sandbox (owner override)');
    }
    // A proxy socket (and the in-sandbox forwarder) only when something could pass it.
    const anyEgress = this.ctx.config.sandbox.egress.allow.length > 0 || this.overrides.egress().length > 0;
    const egress = run.network && anyEgress && this.backend.name === 'bwrap' && this.forwarder !== null
      ? await this.proxy.openSession({ agentId: run.agentId, principal: run.principal }, 'unix')
      : null;
    // Only the main view can write the workspace; the room left bounds every file the command writes.
    const room = run.trust === 'main' ? await this.quota.room() : null;
    let result: RunResult;
    try {
      result = await this.backend.run({
        command: run.command,
        table: this.tables[run.trust],
        limits: { ...this.ctx.profile.current.sandbox, ...(room ? { fileSizeBytes: room.left } : {}) },
        egressSocket: egress?.socketPath ?? null,
        ...(run.onOutput ? { onOutput: run.onOutput } : {}),
        signal: run.signal ? AbortSignal.any([run.signal, this.stopping.signal]) : this.stopping.signal,
      });
    } finally {
      await egress?.close();
    }
    if (room) await this.quota.settle(room.usage);
    return { ...result, unsandboxed };
  }

  private async selectBwrap(): Promise<boolean> {
    const { ctx, tried } = this;
    const cfg = ctx.config.sandbox;
    if (cfg.backend === 'auto' || cfg.backend === 'bwrap') {
      const bwrap = which('bwrap', ctx.env.PATH);
      const blocked = this.unreachableMount();
      const probe = blocked
        ? { ok: false, disableUserns: false, detail: blocked }
        : bwrap ? await probeBwrap(bwrap, this.owner) : { ok: false, disableUserns: false, detail: 'bwrap is not installed (Debian: apt-get install bubblewrap)' };
      if (bwrap && probe.ok) {
        this.forwarder = this.planForwarder();
        this.backend = new BwrapBackend({
          bwrap, clock: ctx.clock, log: ctx.log, systemPaths: cfg.systemPaths, forbidden: this.tables.main.forbidden,
          runAs: this.owner, killGraceMs: cfg.killGraceMs, disableUserns: probe.disableUserns, forwarder: this.forwarder ?? undefined,
        });
        this.detail = `${probe.detail}; ${this.backend.description}${this.forwarder ? `; ${this.forwarder.detail}` : `; ${this.forwarderProblem}, so commands get no network`}`;
        ctx.log.info({ backend: 'bwrap', detail: this.detail }, 'sandbox backend chosen');
        return true;
      }
      tried.push(probe.detail);
    }
    return false;
  }

  /**
   * From source, node runs a script written to a temp file; packed, the nxs
   * executable runs the forwarder itself (see forwarder-launch.ts).
   */
  private planForwarder(): ForwarderLaunch | null {
    const { ctx } = this;
    let script: string | null = null;
    if (!ctx.paths.packed) {
      const fwd = writeForwarder(this.tmp);
      ctx.lifecycle.onStop('egress-forwarder', fwd.dispose);
      script = fwd.script;
    }
    const plan = planForwarderLaunch({ packed: ctx.paths.packed, execPath: process.execPath, runtimeDir: ctx.paths.runtimeDir, launcher: ctx.env.NXS_LAUNCHER, script });
    // As root, bwrap runs as sandbox.run_as and must reach what it binds in: a
    // runtime under /root (0700) is out of its reach, so say so rather than fail every run.
    const owner = this.owner;
    if (owner && plan) for (const b of plan.binds) {
      const r = reachableBy(b.source, owner, 4);
      if (!r.ok) {
        this.forwarderProblem = `the egress forwarder ${b.source} is not reachable by uid ${owner.uid} (sandbox.run_as): ${r.blocker} has no search permission for it; put the nxs runtime (NXS_HOME) in a folder that uid can reach, such as /var/lib/nxs`;
        return null;
      }
    }
    return plan;
  }

  /** As root, commands run as sandbox.run_as: every mount source must be within its reach. */
  private unreachableMount(): string | null {
    if (!this.owner) return null;
    for (const m of this.tables.main.mounts) {
      const r = reachableBy(m.source, this.owner);
      if (!r.ok) return `${m.source} is not reachable by uid ${this.owner.uid} (sandbox.run_as): ${r.blocker} has no search permission for it; set sandbox.workspace (or the mount) to a folder that uid can reach, such as /var/lib/nxs/workspace`;
    }
    return null;
  }

  private async selectContainer(): Promise<void> {
    const { ctx, tried } = this;
    const cfg = ctx.config.sandbox;
    if (cfg.backend === 'auto' || cfg.backend === 'docker') {
      let installed = 0;
      for (const cmd of ['docker', 'podman'] as const) {
        if (!which(cmd, ctx.env.PATH)) continue;
        installed++;
        const probe = await probeDocker(cmd, 3000, this.stopping.signal);
        if (probe.ok) {
          const user = this.owner ? `${this.owner.uid}:${this.owner.gid}` : `${process.getuid?.() ?? 65534}:${process.getgid?.() ?? 65534}`;
          this.backend = new DockerBackend({ cmd, image: cfg.dockerImage, clock: ctx.clock, killGraceMs: cfg.killGraceMs, user, clientPath: ctx.env.PATH ?? '/usr/bin:/bin' });
          this.detail = `${probe.detail}; ${this.backend.description}`;
          ctx.log.info({ backend: cmd, detail: this.detail }, 'sandbox backend chosen');
          return;
        }
        tried.push(probe.detail);
      }
      if (installed === 0) tried.push('no docker or podman installed');
    }
    this.detail = cfg.backend === 'none' ? 'sandbox.backend is none' : tried.join('; ');
    ctx.log.warn({ backend: 'none', detail: this.detail }, 'no sandbox backend works here: shell commands will be refused');
  }
}

/** The workspace exists, is a folder, and (when nxs is root) belongs to the uid commands run as. */
function prepareWorkspace(dir: string, owner: { uid: number; gid: number } | null): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  if (!statSync(dir).isDirectory()) throw new NxsError('NXS_ERR_CONFIG_INVALID', `sandbox.workspace ${dir} is not a folder`);
  if (owner) chownSync(dir, owner.uid, owner.gid);
}
