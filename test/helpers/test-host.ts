import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { stringify } from 'yaml';
import { startHost, type Host } from '../../src/boot/host.ts';
import type { BootStep } from '../../src/boot/steps.ts';
import type { Clock } from '../../src/core/clock.ts';
import { REPO_ROOT } from './test-context.ts';

export interface TestHost extends Host {
  home: string;
  logLines: string[];
  token: string;
  /** fetch against the host with the operator's token (pass `token: null` for none). */
  api(pathname: string, init?: RequestInit & { token?: string | null; json?: unknown }): Promise<Response>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * A real host in this process on port 0, with a temp NXS_HOME and the given
 * config written as its nxs.yaml. `steps` defaults to every boot step.
 */
export async function startTestHost(opts: { config?: Record<string, unknown>; env?: Record<string, string>; steps?: readonly BootStep[]; clock?: Clock } = {}): Promise<TestHost> {
  const home = mkdtempSync(path.join(tmpdir(), 'nxs-host-'));
  writeFileSync(path.join(home, 'nxs.yaml'), stringify({ log: { level: 'debug', pretty: 'never' }, ...(opts.config ?? {}) }));
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  const host = await startHost({
    version: 'test',
    env: { NXS_HOME: home, NXS_PORT: '0', ...(opts.env ?? {}) },
    paths: { runtimeDir: REPO_ROOT, payloadDir: path.join(REPO_ROOT, 'payload'), identityDir: path.join(REPO_ROOT, 'identity'), sqliteBinding: undefined, packed: false },
    logDestination: sink,
    ...(opts.steps ? { steps: opts.steps } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  // Tests see the host as a client would just after the banner: host.ready's work started.
  await host.announced;
  const token = host.parts.operatorToken;
  return Object.assign(host, {
    home,
    logLines,
    token,
    api(pathname: string, init: RequestInit & { token?: string | null; json?: unknown } = {}) {
      const headers = new Headers(init.headers);
      const t = init.token === undefined ? token : init.token;
      if (t) headers.set('authorization', `Bearer ${t}`);
      let body = init.body;
      if (init.json !== undefined) {
        body = JSON.stringify(init.json);
        headers.set('content-type', 'application/json');
      }
      return fetch(host.url + pathname, { ...init, headers, body });
    },
    async [Symbol.asyncDispose]() {
      await host.stop('test done');
      rmSync(home, { recursive: true, force: true });
    },
  });
}
