import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../../../src/cli/program.ts';
import type { CliContext } from '../../../src/cli/cli-context.ts';
import { REPO_ROOT } from '../../helpers/test-context.ts';
import { FakeRoot, cgroupV2Box } from './fake-root.ts';
import { closedPort } from './fake-llm-servers.ts';

async function nxs(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const home = mkdtempSync(path.join(tmpdir(), 'nxs-cli-'));
  const cli: CliContext = {
    version: 'test',
    env: { NXS_HOME: home, PATH: '/nonexistent', ...env },
    paths: { runtimeDir: REPO_ROOT, payloadDir: path.join(REPO_ROOT, 'payload'), identityDir: path.join(REPO_ROOT, 'identity'), sqliteBinding: undefined, packed: false },
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    setExitCode: () => {},
    isTTY: false,
  };
  const code = await runCli(args, cli);
  return { code, out, err };
}

describe('nxs detect', () => {
  it('prints a table and the tier, and --explain says why with the profile', async () => {
    using root = cgroupV2Box(new FakeRoot(), { cores: 4, memGiB: 16 }).write('/etc/os-release', 'ID=alpine\nNAME="Alpine Linux"\nPRETTY_NAME="Alpine Linux v3.19"\n').write('/lib/ld-musl-x86_64.so.1', '');
    const r = await nxs(['detect', '--root', root.dir, '--no-network', '--explain']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^probe\s+result\nos\s+Alpine Linux v3\.19, .*libc musl/m);
    expect(r.out).toContain('tier: full (detected)');
    expect(r.out).toMatch(/why:\n {2}- box: 4 usable core\(s\), 16384 MiB memory/);
    expect(r.out).toMatch(/worker concurrency\s+16/);
  });

  it('--json gives the facts and the choice; a configured endpoint on a closed port is unreachable', async () => {
    using root = cgroupV2Box(new FakeRoot(), { cores: 2, memGiB: 2 });
    const port = await closedPort();
    const r = await nxs(['detect', '--root', root.dir, '--json', '--endpoint', `http://127.0.0.1:${port}/v1`], { NXS_TIER: 'minimal' });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ tier: 'minimal', detected_tier: 'standard', forced_tier: 'minimal', warnings: [], profile: { tier: 'minimal' } });
    expect(j.facts.network.endpoints[0]).toMatchObject({ reachable: false });
    expect(j.facts.network.state).toBe('offline');
  });

  it('--tier shows what forcing would do, with the warning', async () => {
    using root = cgroupV2Box(new FakeRoot(), { cores: 2, memGiB: 2 });
    const r = await nxs(['detect', '--root', root.dir, '--no-network', '--tier', 'full']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('tier: full (forced; detection chose standard)');
    expect(r.out).toContain('warning: the box cannot hold tier full: 2 usable core(s) < 4 (tier_policy.full_min_cores)');
  });

  it('an unknown --tier exits 2 listing the valid ones', async () => {
    const r = await nxs(['detect', '--tier', 'huge']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/Allowed choices are minimal, standard, full/);
  });

  it('a malformed tier_policy in the config file is refused naming the key (exit 3)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nxs-cfg-'));
    const file = path.join(dir, 'nxs.yaml');
    (await import('node:fs')).writeFileSync(file, 'tier_policy:\n  minimal_max_cores: many\n');
    const r = await nxs(['detect', '--config', file, '--no-network']);
    expect(r.code).toBe(3);
    expect(r.err).toContain(`${file}: tier_policy.minimal_max_cores must be an integer`);
  });
});
