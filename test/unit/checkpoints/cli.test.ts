import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { checkpointHost, spawnAgent } from './host.ts';
import { runCli } from '../../../src/cli/program.ts';
import { REPO_ROOT } from '../../helpers/test-context.ts';

function cliFor(home: string) {
  const out: string[] = [];
  const err: string[] = [];
  const base = {
    version: 'test',
    env: { NXS_HOME: home, NXS_CHECKPOINT_PASSPHRASE: 'a long enough passphrase' },
    paths: { runtimeDir: REPO_ROOT, payloadDir: path.join(REPO_ROOT, 'payload'), identityDir: path.join(REPO_ROOT, 'identity'), sqliteBinding: undefined, packed: false },
    stdout: (t: string) => void out.push(t),
    stderr: (t: string) => void err.push(t),
    setExitCode: () => {},
    isTTY: false,
  };
  return { run: (...argv: string[]) => runCli(argv, base), out, err };
}

describe('nxs checkpoint and nxs doctor (CLI through the running host)', () => {
  it('create, ls, verify, export, import, restore, rm; doctor ls and deny', async () => {
    await using host = await checkpointHost();
    const id = await spawnAgent(host, 'cli-agent');
    const cli = cliFor(host.home);
    expect(await cli.run('checkpoint', 'create', id)).toBe(0);
    const ckpt = cli.out.pop()!.trim();
    expect(ckpt).toMatch(/^ckpt_/);
    expect(await cli.run('checkpoint', 'ls')).toBe(0);
    expect(cli.out.pop()).toContain(ckpt);
    expect(await cli.run('checkpoint', 'verify', ckpt)).toBe(0);
    expect(cli.out.pop()).toMatch(/valid/);
    const file = path.join(host.home, 'out.nxsckpt');
    expect(await cli.run('checkpoint', 'export', ckpt, file)).toBe(0);
    expect(await cli.run('checkpoint', 'rm', ckpt)).toBe(0);
    expect(await cli.run('checkpoint', 'verify', ckpt)).toBe(6);
    expect(await cli.run('checkpoint', 'import', file, '--json')).toBe(0);
    expect(JSON.parse(cli.out.pop()!).checkpoint_id).toBe(ckpt);
    expect(await cli.run('checkpoint', 'restore', ckpt)).toBe(0);
    expect(cli.out.pop()).toMatch(/restored as agent \d+/);
    expect(await cli.run('checkpoint', 'create')).toBe(2);
    expect(await cli.run('checkpoint', 'create', '--host')).toBe(0);

    host.ctx.events.emit('memory.pressure', { detail: 'x', tier: 'minimal' });
    host.ctx.events.emit('alert', { source: 'assistant', code: 'NXS_ERR_IDENTITY_DAMAGED', message: 'SOUL.md is empty', severity: 'critical' });
    expect(await cli.run('doctor', 'ls', '--pending', '--json')).toBe(0);
    const [d] = JSON.parse(cli.out.pop()!).diagnoses;
    expect(d.fix.kind).toBe('change_identity');
    expect(await cli.run('doctor', 'deny', d.id)).toBe(0);
    expect(cli.out.pop()).toContain('denied');
    expect(await cli.run('doctor', 'deny', d.id)).toBe(2);
    expect(cli.err.pop()).toMatch(/NXS_ERR_DIAGNOSIS_STATE/);
  });
});
