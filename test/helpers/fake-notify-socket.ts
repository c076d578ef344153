import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

// Node cannot bind a unix datagram socket, so the fake PID 1 end is a few lines of Python.
const RECEIVER = `
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("bound", flush=True)
while True:
    # Receiving without ancillary space closes any passed fd: that answers BARRIER=1.
    data = s.recv(4096)
    print(json.dumps(data.decode("utf-8", "replace")), flush=True)
`;

/** Which of python3 and systemd-notify are missing (empty: the real-socket test can run). */
export function missingForNotifySocket(): string[] {
  return ['python3', 'systemd-notify'].filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
}

/**
 * A fake systemd notify socket: a real unix datagram socket in a temp folder,
 * read by a Python child. `messages` holds each datagram received, e.g.
 * "READY=1\nMAINPID=42".
 */
export class FakeNotifySocket implements AsyncDisposable {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'nxs-notify-sock-'));
  readonly path = path.join(this.dir, 'notify');
  readonly messages: string[] = [];
  private child: ChildProcess | undefined;
  private waiters: { n: number; resolve: () => void }[] = [];

  async start(): Promise<this> {
    const child = spawn('python3', ['-c', RECEIVER, this.path], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.child = child;
    const lines = createInterface({ input: child.stdout! });
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`the notify socket receiver exited ${code} before binding`)));
      lines.on('line', (line) => {
        if (line === 'bound') return resolve();
        this.messages.push(JSON.parse(line) as string);
        this.waiters = this.waiters.filter((w) => (this.messages.length >= w.n ? (w.resolve(), false) : true));
      });
    });
    return this;
  }

  /** Resolves once `n` datagrams have arrived. */
  waitFor(n: number): Promise<void> {
    if (this.messages.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill();
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
