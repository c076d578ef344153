import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './test-context.ts';

/**
 * `nxs <args>` as a user runs it, in a child process: the sources with the
 * repository's Node, either on pipes or
 * on a real pseudo-terminal. Node has no pty module, so `tty: true` runs the
 * command under util-linux's `script` (Debian `bsdutils`), which gives it a pty
 * for stdin, stdout and stderr and relays the terminal through its own pipes.
 * Output is awaited (`waitFor`), never slept for.
 */
export interface CliSession {
  proc: ChildProcess;
  /** What the process wrote so far; on a pty, stdout holds the whole terminal (stderr too), escapes stripped. */
  stdout(): string;
  stderr(): string;
  write(text: string): void;
  /** Closes stdin (end of input on pipes). */
  end(): void;
  /** Resolves with the stream's text once it matches; rejects (with all output) after `timeoutMs` or when the process exits first. */
  waitFor(stream: 'stdout' | 'stderr', pattern: string | RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface CliSessionOptions {
  env: Record<string, string>;
  tty?: boolean;
  /** With `tty`: the command reads this file as its stdin (`nxs chat < file` typed in a terminal), only stdout and stderr are the terminal. */
  stdinFile?: string;
  /** A command that runs nxs, such as `['prlimit', '--nofile=256', '--']` (not with `tty`). */
  wrapper?: string[];
}

/** Terminal control sequences (CSI, OSC, charset selection) and carriage returns, removed before asserting. */
export function stripTerminal(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-B]|\x1b[=>]|\r/g, '');
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function nxsCommand(args: string[]): string[] {
  return [process.execPath, path.join(REPO_ROOT, 'src/main.ts'), ...args];
}

export function spawnCli(args: string[], opts: CliSessionOptions): CliSession {
  const argv = nxsCommand(args);
  // -q no banners, -f flush at once, -e the command's exit code, -c the command; the typescript file is /dev/null.
  const line = argv.map(shellQuote).join(' ') + (opts.stdinFile ? ` < ${shellQuote(opts.stdinFile)}` : '');
  const [cmd, ...rest] = opts.tty ? ['script', '-qfec', line, '/dev/null'] : [...(opts.wrapper ?? []), ...argv];
  const proc = spawn(cmd!, rest, { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const text = { stdout: '', stderr: '' };
  const waiters = new Set<() => void>();
  const notify = (): void => {
    for (const w of [...waiters]) w();
  };
  proc.stdout!.on('data', (c: Buffer) => {
    text.stdout += c.toString('utf8');
    notify();
  });
  proc.stderr!.on('data', (c: Buffer) => {
    text.stderr += c.toString('utf8');
    notify();
  });
  // A write after the process is gone would throw EPIPE into the test as an unrelated error.
  proc.stdin!.on('error', () => {});
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('close', (code, signal) => resolve({ code, signal })));
  let gone = false;
  void exited.then(() => {
    gone = true;
    notify();
  });
  const read = (stream: 'stdout' | 'stderr'): string => (opts.tty && stream === 'stdout' ? stripTerminal(text.stdout) : text[stream]);

  return {
    proc,
    stdout: () => read('stdout'),
    stderr: () => read('stderr'),
    write: (t) => void proc.stdin!.write(t),
    end: () => void proc.stdin!.end(),
    waitFor(stream, pattern, timeoutMs = 15_000) {
      const matches = (): boolean => (typeof pattern === 'string' ? read(stream).includes(pattern) : pattern.test(read(stream)));
      return new Promise((resolve, reject) => {
        const settle = (err?: Error): void => {
          waiters.delete(check);
          clearTimeout(timer);
          if (err) reject(err);
          else resolve(read(stream));
        };
        const fail = (why: string): Error => new Error(`${why} waiting for ${String(pattern)} on ${stream}\n--- stdout ---\n${read('stdout')}\n--- stderr ---\n${read('stderr')}`);
        const check = (): void => {
          if (matches()) settle();
          else if (gone) settle(fail(`the process exited (${proc.exitCode ?? proc.signalCode})`));
        };
        // Only a deadline for a broken test: a passing one resolves on output.
        const timer = setTimeout(() => settle(fail(`no match after ${timeoutMs} ms`)), timeoutMs);
        waiters.add(check);
        check();
      });
    },
    exited,
    async [Symbol.asyncDispose]() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}
