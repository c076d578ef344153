import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundle } from '../../../build/bundle.ts';
import { AgentProcess } from '../../../src/supervisor/agent-process.ts';
import { agentWorkerFile } from '../../../src/supervisor/supervisor.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { REPO_ROOT } from '../../helpers/test-context.ts';
import { agentModules } from './helpers.ts';

// The single file runs workers/agent-worker.cjs from the unpacked runtime. This
// builds it exactly as the release does and runs a real ES-module agent in it.
describe('the agent worker in the packed layout', () => {
  it('resolves to <runtime>/workers/agent-worker.cjs packed, the .ts from source', () => {
    const ctx = (packed: boolean) => ({ paths: { packed, runtimeDir: '/rt' } }) as never;
    expect(agentWorkerFile(ctx(true))).toBe('/rt/workers/agent-worker.cjs');
    expect(agentWorkerFile(ctx(false))).toBe('/rt/src/supervisor/agent-worker.ts');
  });

  it('the bundled worker needs only node builtins, and import()s an ES module agent (with its own relative import) by absolute path', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'nxs-bundle-'));
    using mods = agentModules();
    mods.write('helper', 'export const greet = (x) => `hello ${x}`;\n');
    const agent = mods.write('agent', "import { greet } from './helper.mjs';\nimport { createHash } from 'node:crypto';\nexport function handle(x, api) { return { text: greet(x), name: api.name, sum: createHash('sha1').update(x).digest('hex').slice(0, 6) }; }\n");
    try {
      const { workers } = await bundle(REPO_ROOT, out);
      const worker = agentWorkerFile({ paths: { packed: true, runtimeDir: out } } as never);
      expect(workers).toEqual([worker]);
      const requires = [...readFileSync(worker, 'utf8').matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
      expect(requires.every((r) => r!.startsWith('node:'))).toBe(true);

      let onReady = (): void => {};
      const ready = new Promise<void>((r) => (onReady = r));
      const proc = new AgentProcess({
        workerFile: worker,
        data: { agentId: '1', instanceId: '1', name: 'packed', module: { file: agent, agentsDir: mods.dir }, settings: {} },
        memoryMb: 64,
        heartbeatMs: 60_000,
        clock: new FakeClock(),
        onRequest: () => Promise.reject(new Error('none')),
        onLog: () => {},
        onReady: () => onReady(),
        onExit: () => {},
      });
      await ready;
      expect(await proc.task('world', 10_000)).toEqual({ text: 'hello world', name: 'packed', sum: '7c2114' });
      await proc.stop();
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});
