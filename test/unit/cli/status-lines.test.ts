import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { runCli } from '../../../src/cli/program.ts';
import { sectionRows, statusLines } from '../../../src/cli/status-lines.ts';
import { hostRoutesStep } from '../../../src/boot/host-routes.ts';
import { queueStep } from '../../../src/queue/boot-step.ts';
import { startTestHost, type TestHost } from '../../helpers/test-host.ts';
import { REPO_ROOT } from '../../helpers/test-context.ts';

async function nxs(host: TestHost, ...argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await runCli(argv, {
    version: 'test',
    env: { NXS_HOME: host.home },
    paths: { runtimeDir: REPO_ROOT, payloadDir: path.join(REPO_ROOT, 'payload'), identityDir: path.join(REPO_ROOT, 'identity'), sqliteBinding: undefined, packed: false },
    stdout: (t) => void (out += t),
    stderr: () => {},
    setExitCode: () => {},
    isTTY: false,
  });
  return { code, out };
}

const STATUS = {
  version: '0.1.0',
  boot_id: 'boot_1',
  pid: 42,
  uptime_ms: 12_400,
  data_dir: '/home/a/.nxs/data',
  tier: 'standard',
  memory_rss_bytes: 50 * 1048576,
  detect: {
    tier: 'standard',
    detected_tier: 'standard',
    forced_tier: null,
    reasons: ['4 cores', '8 GiB'],
    warnings: [],
    memory_pressure: false,
    facts: { os: { kernel: '6.1' } },
  },
  queue: { running: 0, active_groups: 0, unfinished: { 'assistant.answer': 2 }, next_wake: false },
  assistant: { state: 'running', survival: { active: false, since: null }, messages: { pending: 1 }, channels: ['http', 'files'], llm_mode: 'normal' },
  providers: { mode: 'normal', providers: [{ name: 'a', state: 'up' }, { name: 'b', state: 'cooling', last_error: 'rate limited' }] },
};

// Issue 16: `nxs status` printed detect, queue and assistant as raw JSON blobs.
describe('nxs status for humans', () => {
  it('gives each part a block of aligned lines, nested fields as dotted keys, and no JSON', () => {
    const text = statusLines(STATUS, 'http://127.0.0.1:7878');
    expect(text).toBe(
      [
        'nxs 0.1.0 running at http://127.0.0.1:7878 (pid 42)',
        '  boot    boot_1, up 12 s',
        '  data    /home/a/.nxs/data',
        '  tier    standard',
        '  memory  50 MiB resident',
        'detect',
        '  tier             standard',
        '  detected_tier    standard',
        '  forced_tier      -',
        '  reasons          4 cores; 8 GiB',
        '  warnings         -',
        '  memory_pressure  false',
        '  facts            (nxs detect shows them)',
        'queue',
        '  running                      0',
        '  active_groups                0',
        '  unfinished.assistant.answer  2',
        '  next_wake                    false',
        'assistant',
        '  state             running',
        '  survival.active   false',
        '  survival.since    -',
        '  messages.pending  1',
        '  channels          http; files',
        '  llm_mode          normal',
        'providers',
        '  mode         normal',
        '  providers.0  name=a state=up',
        '  providers.1  name=b state=cooling last_error=rate limited',
        '',
      ].join('\n'),
    );
  });

  it('rows of a scalar or an empty record', () => {
    expect(sectionRows(3, 'x')).toEqual([['x', '3']]);
    expect(sectionRows({ a: {} })).toEqual([['a', '-']]);
  });

  it('against a running host: aligned lines without JSON, and --json keeps the data', async () => {
    await using host = await startTestHost({ steps: [hostRoutesStep, queueStep] });
    const human = await nxs(host, 'status');
    expect(human.code).toBe(0);
    expect(human.out).toMatch(/^queue\n {2}running +0\n/m);
    expect(human.out).not.toMatch(/[{[]"/);
    const data = await nxs(host, 'status', '--json');
    expect(JSON.parse(data.out)).toMatchObject({ version: 'test', queue: { running: 0 } });
  });
});
