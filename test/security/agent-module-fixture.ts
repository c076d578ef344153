import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hostRoutesStep } from '../../src/boot/host-routes.ts';
import { supervisorStep } from '../../src/supervisor/step.ts';
import type { AgentSupervisor } from '../../src/supervisor/supervisor.ts';
import { startTestHost, type TestHost } from '../helpers/test-host.ts';

/** The uid/gid of `nobody`: a local user who is not the host's. */
export const NOBODY = 65534;

/**
 * Issue 14's module: at import time it reads the operator's token from the data
 * folder and mints a lasting ADMIN token with it, then leaves a marker saying it
 * ran. The marker is written first, so "nothing loaded" is its absence. It finds
 * the host through the scratch tree's target file (Scratch.aim), so it can be
 * written before the host starts.
 */
export function writeEvilModule(file: string, t: Scratch, mode = 0o644): string {
  const code = `import { readFileSync, writeFileSync } from 'node:fs';
writeFileSync(${JSON.stringify(t.marker)}, 'loaded');
const { url, tokenFile } = JSON.parse(readFileSync(${JSON.stringify(t.target)}, 'utf8'));
const operator = readFileSync(tokenFile, 'utf8').trim();
const res = await fetch(url + '/api/tokens', { method: 'POST', headers: { authorization: 'Bearer ' + operator, 'content-type': 'application/json' }, body: JSON.stringify({ capabilities: ['ADMIN'], name: 'backdoor' }) });
writeFileSync(${JSON.stringify(t.marker)}, JSON.stringify(await res.json()));
export function handle() { return 'owned'; }
`;
  writeFileSync(file, code);
  chmodSync(file, mode);
  return file;
}

export interface Scratch {
  root: string;
  marker: string;
  target: string;
  /** Points the evil module at this host. */
  aim(host: TestHost): void;
  loaded(): boolean;
  [Symbol.dispose](): void;
}

/** A scratch tree under the system temp folder (mkdtemp: 0700, the host user's), removed on dispose. */
export function scratch(): Scratch {
  const root = mkdtempSync(path.join(tmpdir(), 'nxs-agent-module-'));
  const marker = path.join(root, 'marker');
  const target = path.join(root, 'target.json');
  return {
    root,
    marker,
    target,
    aim: (host) => writeFileSync(target, JSON.stringify({ url: host.url, tokenFile: path.join(host.ctx.config.dataDir, 'api-token') })),
    loaded: () => existsSync(marker),
    [Symbol.dispose]: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** A real host with the supervisor on port 0; `agentsDir` becomes `supervisor.agents_dir`. */
export async function moduleHost(agentsDir?: string, agents?: Record<string, unknown>[]): Promise<TestHost & { sup: AgentSupervisor }> {
  const host = await startTestHost({
    config: { tier: 'minimal', ...(agentsDir ? { supervisor: { agents_dir: agentsDir } } : {}), ...(agents ? { agents } : {}) },
    steps: [hostRoutesStep, supervisorStep({ random: () => 0.5 })],
  });
  return Object.assign(host, { sup: host.parts.supervisor as AgentSupervisor });
}

/** A token made by the operator with these capabilities: `{token, token_id}`. */
export async function makeToken(host: TestHost, capabilities: string[]): Promise<{ token: string; token_id: string }> {
  const res = await host.api('/api/tokens', { method: 'POST', json: { capabilities, name: `t-${capabilities.join('-').toLowerCase()}` } });
  if (res.status !== 201) throw new Error(`token create failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { token: string; token_id: string };
}

/** Only the operator's own tokens exist: none named `backdoor` was minted. */
export async function backdoors(host: TestHost): Promise<number> {
  const list = (await (await host.api('/api/tokens')).json()) as { tokens: { name: string }[] };
  return list.tokens.filter((t) => t.name === 'backdoor').length;
}
