import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';

export interface RealPrometheus {
  url: string;
  /** An instant query through Prometheus' HTTP API: each result's labels and value. */
  query(expr: string): Promise<{ metric: Record<string, string>; value: number }[]>;
  /** The scrape targets' health (`up`, `down`, `unknown`) and last error, as /api/v1/targets reports them. */
  targets(): Promise<{ health: string; lastError: string; scrapeUrl: string }[]>;
  /** Prometheus' log so far (stderr), for failure messages. */
  log(): string;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * A real `prometheus` (Debian's package) scraping `target` (host:port) every second at
 * `metricsPath`, with the bearer token in a credentials file, on a free loopback port and a temp
 * TSDB. Resolves once it logs that it is ready for web requests.
 */
export async function startPrometheus(opts: { target: string; metricsPath?: string; tokenFile?: string }): Promise<RealPrometheus> {
  const dir = mkdtempSync(path.join(tmpdir(), 'nxs-prometheus-'));
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '1s' },
    scrape_configs: [
      {
        job_name: 'nxs',
        metrics_path: opts.metricsPath ?? '/metrics',
        static_configs: [{ targets: [opts.target] }],
        ...(opts.tokenFile ? { authorization: { type: 'Bearer', credentials_file: opts.tokenFile } } : {}),
      },
    ],
  };
  writeFileSync(path.join(dir, 'prometheus.yml'), stringify(config));
  // Prometheus takes no port 0: a port the kernel just handed out and released is free in practice.
  const port = await freePort();
  const child = spawn('prometheus', [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=info'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('error', (err) => reject(new Error(`cannot run prometheus (apt-get install prometheus, see test/install-tools.sh): ${err.message}`)));
      child.once('exit', (code) => reject(new Error(`prometheus exited (${code}) before it was ready:\n${log}`)));
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
        log += chunk;
        if (log.includes('Server is ready to receive web requests')) resolve();
      });
    });
  } catch (err) {
    await stop();
    throw err;
  }
  child.removeAllListeners('exit');
  return {
    url,
    async query(expr) {
      const r = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await r.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
      if (body.status !== 'success') throw new Error(`query ${expr} failed: ${JSON.stringify(body)}`);
      return body.data.result.map((x) => ({ metric: x.metric, value: Number(x.value[1]) }));
    },
    async targets() {
      const r = await fetch(`${url}/api/v1/targets`);
      const body = (await r.json()) as { data: { activeTargets: { health: string; lastError: string; scrapeUrl: string }[] } };
      return body.data.activeTargets;
    },
    log: () => log,
    [Symbol.asyncDispose]: stop,
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
