// bench/lib/restart-wrapper.ts: what `nxs install`'s systemd unit does when the host dies
// (Restart=on-failure, RestartSec=2s: src/install/unit.ts), for machines where systemd is not PID 1
// (this container, CI). A death by signal or a non-zero exit is restarted after restartSecMs; exit 0
// (a clean stop) and 2/3 (RestartPreventExitStatus: usage and config mistakes) are not.
import { startHost, type DrillHost, type HostSpec } from './drill-host.ts';

export const UNIT_RESTART_SEC_MS = 2000;

export class RestartWrapper {
  current!: DrillHost;
  /** Resolves when the host is ready; replaced by a pending one each time the host dies. */
  ready: Promise<void> = Promise.resolve();
  readonly exits: { at: number; code: number | null; signal: NodeJS.Signals | null }[] = [];
  readonly starts: number[] = [];
  private stopping = false;
  private readonly spec: HostSpec;
  private readonly restartSecMs: number;

  constructor(spec: HostSpec, restartSecMs = UNIT_RESTART_SEC_MS) {
    this.spec = spec;
    this.restartSecMs = restartSecMs;
  }

  async start(): Promise<void> {
    this.current = await startHost(this.spec);
    this.starts.push(performance.now());
    this.watch(this.current);
  }

  url = (): string => this.current.url;

  private watch(host: DrillHost): void {
    let readyNow!: () => void;
    void host.exited.then(({ code, signal }) => {
      this.exits.push({ at: performance.now(), code, signal });
      if (this.stopping || code === 0 || code === 2 || code === 3) return;
      this.ready = new Promise((r) => (readyNow = r));
      setTimeout(() => {
        void startHost(this.spec).then((next) => {
          this.current = next;
          this.starts.push(performance.now());
          this.watch(next);
          readyNow();
        });
      }, this.restartSecMs);
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.ready;
    await this.current.stop();
  }
}
