// bench/lib/drill-host.ts: one `dist/nxs start --port 0` as the survival drills and the soak run it:
// a real process on its own data folder and config, its JSON log read line by line so a drill can
// await a log line (an event) instead of asking the host over and over.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const NXS = path.join(ROOT, 'dist/nxs');
/** The operator's token (ADMIN): long and varied enough for NXS_ERR_TOKEN_WEAK's check. */
export const TOKEN = 'drill-operator-token-0123456789abcdefXYZ';
const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface HostSpec {
  /** NXS_HOME: the runtime is unpacked here once; keys live here. */
  home: string;
  /** The data folder (store, identity, inbox); created when missing. */
  dataDir: string;
  /** The config file's contents (written to <dataDir>/../<name>.yaml). */
  config: Record<string, unknown>;
  env?: Record<string, string>;
  /** A cgroup's `cgroup.procs`: the host joins it before exec, so it reads its limits there from the start (as in a container). */
  cgroupProcs?: string;
}

export interface DrillHost {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Exit code and signal once the process is gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Every JSON log line so far. */
  logs: LogLine[];
  /** Resolves with the first log line (already seen or still to come) that matches. */
  waitLog(match: (l: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

/** A fresh temp folder (drills never share fixed paths). */
export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export function writeConfig(spec: HostSpec): string {
  mkdirSync(spec.dataDir, { recursive: true });
  const file = path.join(path.dirname(spec.dataDir), `${path.basename(spec.dataDir)}.nxs.yaml`);
  writeFileSync(file, stringify(spec.config));
  return file;
}

/** Starts the built single file and resolves once its ready banner names the URL. */
export function startHost(spec: HostSpec): Promise<DrillHost> {
  const configFile = writeConfig(spec);
  const args = ['start', '--port', '0', '--config', configFile];
  const [cmd, argv] = spec.cgroupProcs ? ['/bin/sh', ['-c', 'echo $$ > "$0" && exec "$@"', spec.cgroupProcs, NXS, ...args]] : [NXS, args];
  const child = spawn(cmd, argv, {
    env: { HOME: spec.home, NXS_HOME: spec.home, NXS_DATA_DIR: spec.dataDir, PATH: SYSTEM_PATH, NXS_API_TOKEN: TOKEN, ...(spec.env ?? {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  let errText = '';
  let partial = '';
  child.stderr!.on('data', (c: Buffer) => {
    partial += c.toString();
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const text of lines) {
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        errText += text + '\n';
        continue;
      }
      logs.push(line);
      bus.emit('line', line);
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  const waitLog = (match: (l: LogLine) => boolean, timeoutMs = 120_000): Promise<LogLine> => {
    const seen = logs.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        bus.off('line', on);
        reject(new Error(`no matching log line within ${timeoutMs} ms`));
      }, timeoutMs);
      const on = (l: LogLine): void => {
        if (!match(l)) return;
        clearTimeout(timer);
        bus.off('line', on);
        resolve(l);
      };
      bus.on('line', on);
    });
  };
  return new Promise((resolve, reject) => {
    let out = '';
    const onExit = (r: { code: number | null; signal: NodeJS.Signals | null }): void => reject(new Error(`nxs exited (${r.code ?? r.signal}) before ready:\n${errText}${logs.map((l) => l.msg).join('\n')}`));
    void exited.then(onExit);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /ready at (http:\/\/\S+)/.exec(out);
      if (!m) return;
      out = '';
      resolve({
        url: m[1]!,
        pid: child.pid!,
        child,
        exited,
        logs,
        waitLog,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}

/** The config every drill starts from: JSON logs at info, no local-server probe, no Telegram. */
export function baseConfig(providers: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { assistant, llm_client, ...rest } = extra as { assistant?: Record<string, unknown>; llm_client?: Record<string, unknown> };
  return {
    log: { level: 'info', pretty: 'never' },
    providers,
    llm_client: { local_probe: [], ...(llm_client ?? {}) },
    assistant: { ...(assistant ?? {}) },
    ...rest,
  };
}

/** A provider entry for a loopback fake that nxs must treat as a remote one (alerts, no local-first). */
export function remoteProvider(name: string, baseUrl: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, base_url: baseUrl, api_key: `sk-${name}-drill-key-0123456789`, local: false, optional: false, model: `${name}-model`, ...extra };
}

export { once };
