import { Worker } from 'node:worker_threads';
import type { Clock, TimerHandle } from '../core/clock.ts';
import { NxsError, errorMessage, systemErrorCode } from '../core/errors.ts';
import type { AgentMessage, AgentToHost, AgentWorkerData, HostToAgent, AgentOp } from './protocol.ts';

export type ExitKind = 'crash' | 'hung' | 'oom' | 'clean' | 'stopped';

export interface AgentProcessOptions {
  workerFile: string;
  data: AgentWorkerData;
  memoryMb: number;
  heartbeatMs: number;
  clock: Clock;
  /** The agent asks the host to act; the host checks its capabilities. */
  onRequest(op: AgentOp, args: Record<string, unknown>): Promise<unknown>;
  onLog(level: string, msg: string): void;
  onReady(): void;
  /** Called once when the thread is gone, with why. */
  onExit(kind: ExitKind, detail: string): void;
}

/**
 * One running instance of an agent: a worker thread with a heap budget, a
 * heartbeat on the injected clock (one timer: each tick checks the previous
 * ping was answered, then sends the next), tasks and requests in flight.
 */
export class AgentProcess {
  private readonly worker: Worker;
  private readonly opts: AgentProcessOptions;
  private timer: TimerHandle | null = null;
  private seq = 0;
  private answered = 0;
  private nextTask = 1;
  private readonly tasks = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exitKind: ExitKind | null = null;
  private exitDetail = '';
  private done = false;
  heapUsed: number | null = null;

  constructor(opts: AgentProcessOptions) {
    this.opts = opts;
    const young = Math.max(4, Math.min(32, Math.floor(opts.memoryMb / 4)));
    this.worker = new Worker(opts.workerFile, {
      workerData: opts.data,
      resourceLimits: { maxOldGenerationSizeMb: opts.memoryMb, maxYoungGenerationSizeMb: young, stackSizeMb: 4 },
      stdout: false,
      stderr: false,
    });
    this.worker.on('message', (m: AgentToHost) => this.onMessage(m));
    this.worker.on('error', (err) => {
      if (this.exitKind) return;
      if (systemErrorCode(err) === 'ERR_WORKER_OUT_OF_MEMORY') this.mark('oom', `exceeded its memory budget of ${opts.memoryMb} MiB`);
      else this.mark('crash', `threw: ${errorMessage(err)}`);
    });
    this.worker.on('exit', (code) => {
      if (!this.exitKind) this.mark(code === 0 ? 'clean' : 'crash', `exited with code ${code}`);
      this.finish();
    });
    this.arm();
  }

  get threadId(): number {
    return this.worker.threadId;
  }

  /** Runs one task; rejects if the agent throws in its handler, dies, or exceeds the timeout. */
  task(input: unknown, timeoutMs: number): Promise<unknown> {
    if (this.done || this.exitKind) return Promise.reject(new NxsError('NXS_ERR_AGENT_UNAVAILABLE', 'the agent is not running'));
    const id = this.nextTask++;
    return new Promise((resolve, reject) => {
      const t = this.opts.clock.setTimeout(() => {
        this.tasks.delete(id);
        reject(new NxsError('NXS_ERR_AGENT_UNAVAILABLE', `the agent did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.tasks.set(id, {
        resolve: (v) => (this.opts.clock.clearTimeout(t), resolve(v)),
        reject: (e) => (this.opts.clock.clearTimeout(t), reject(e)),
      });
      this.post({ t: 'task', id, input });
    });
  }

  deliver(message: AgentMessage): void {
    this.post({ t: 'message', message });
  }

  /** Stops the thread for good (kill, host stop); resolves when it is gone. */
  async stop(): Promise<void> {
    if (!this.exitKind) this.mark('stopped', 'stopped by the host');
    // Disarm now, not at the exit event: a killed agent leaves no timer behind
    // even while its thread is still being torn down.
    if (this.timer) this.opts.clock.clearTimeout(this.timer);
    this.timer = null;
    await this.worker.terminate();
  }

  private post(m: HostToAgent): void {
    try {
      this.worker.postMessage(m);
    } catch {
      // the thread is already gone; its exit event reports why
    }
  }

  private arm(): void {
    this.timer = this.opts.clock.setTimeout(() => this.beat(), this.opts.heartbeatMs);
  }

  // A heartbeat is a liveness check, not polling: a thread stuck in a loop never answers.
  private beat(): void {
    this.timer = null;
    if (this.done || this.exitKind) return;
    if (this.seq > this.answered) {
      this.mark('hung', `did not answer its heartbeat within ${this.opts.heartbeatMs} ms`);
      void this.worker.terminate();
      return;
    }
    this.seq += 1;
    this.post({ t: 'ping', seq: this.seq });
    this.arm();
  }

  private onMessage(m: AgentToHost): void {
    switch (m.t) {
      case 'ready':
        this.opts.onReady();
        break;
      case 'pong':
        this.answered = Math.max(this.answered, m.seq);
        this.heapUsed = m.heapUsed;
        break;
      case 'result': {
        const w = this.tasks.get(m.id);
        this.tasks.delete(m.id);
        if (!w) break;
        if (m.ok) w.resolve(m.value);
        else w.reject(new NxsError('NXS_ERR_AGENT_TASK_FAILED', `the agent's task failed: ${m.error}`));
        break;
      }
      case 'log':
        this.opts.onLog(m.level, m.msg);
        break;
      case 'request':
        this.opts.onRequest(m.op, m.args ?? {}).then(
          (value) => this.post({ t: 'reply', id: m.id, ok: true, value }),
          (err: unknown) => this.post({ t: 'reply', id: m.id, ok: false, error: errorMessage(err), code: err instanceof NxsError ? err.code : 'NXS_ERR_INTERNAL' }),
        );
        break;
    }
  }

  private mark(kind: ExitKind, detail: string): void {
    this.exitKind = kind;
    this.exitDetail = detail;
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    if (this.timer) this.opts.clock.clearTimeout(this.timer);
    this.timer = null;
    for (const w of this.tasks.values()) w.reject(new NxsError('NXS_ERR_AGENT_UNAVAILABLE', `the agent stopped during the task (${this.exitDetail})`));
    this.tasks.clear();
    this.opts.onExit(this.exitKind ?? 'crash', this.exitDetail);
  }
}
