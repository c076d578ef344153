import { test, expect, onTestFinished } from 'vitest';
import { mkdtempSync, chmodSync, rmSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../../../src/cli/program.ts';
import type { CliContext } from '../../../src/cli/cli-context.ts';
import type { Supervisor } from '../../../src/supervisor/types.ts';
import { hostRoutesStep } from '../../../src/boot/host-routes.ts';
import { toolsStep } from '../../../src/tools/boot-step.ts';
import { startTestHost } from '../../helpers/test-host.ts';
import { REPO_ROOT } from '../../helpers/test-context.ts';
import { MemoryAudit } from './toolbox-fixture.ts';

test('nxs sandbox: status, allow-egress, overrides, revoke against a running host; bad --minutes exits 2', async () => {
  const ws = mkdtempSync('/var/tmp/nxs-ws-');
  chmodSync(ws, 0o755);
  onTestFinished(() => rmSync(ws, { recursive: true, force: true }));
  const audit = new MemoryAudit();
  const supervisorStep = { name: 'fake-supervisor', start: () => ({ supervisor: { audit, capabilitiesOf: () => new Set() } as unknown as Supervisor }) };
  await using host = await startTestHost({ config: { sandbox: { workspace: ws } }, steps: [hostRoutesStep, supervisorStep, toolsStep] });

  const nxs = async (...args: string[]) => {
    let out = '';
    let err = '';
    const cli: CliContext = {
      version: 'test',
      env: { NXS_HOME: host.home, PATH: '/usr/bin:/bin' },
      paths: { runtimeDir: REPO_ROOT, payloadDir: path.join(REPO_ROOT, 'payload'), identityDir: path.join(REPO_ROOT, 'identity'), sqliteBinding: undefined, packed: false },
      stdout: (t) => void (out += t),
      stderr: (t) => void (err += t),
      setExitCode: () => {},
      isTTY: false,
    };
    const code = await runCli(args, cli);
    return { code, out, err };
  };

  const status = await nxs('sandbox', 'status');
  expect(status.code).toBe(0);
  expect(status.out).toMatch(/^backend: {3}\w+\ndetail: /);
  expect(status.out).toContain(`workspace: ${ws}`);

  const granted = await nxs('sandbox', 'allow-egress', 'deb.debian.org:443', '--minutes', '30', '--reason', 'apt update', '--json');
  expect(granted.code).toBe(0);
  const id = JSON.parse(granted.out).override.id as string;
  expect(JSON.parse(granted.out).override).toMatchObject({ kind: 'egress', target: 'deb.debian.org:443', reason: 'apt update' });

  const listed = await nxs('sandbox', 'overrides');
  expect(listed.out).toMatch(/^ID\s+KIND\s+TARGET/);
  expect(listed.out).toContain('deb.debian.org:443');

  expect((await nxs('sandbox', 'revoke', id)).out).toBe(`revoked ${id}\n`);
  expect((await nxs('sandbox', 'allow-unsandboxed', '--minutes', 'soon', '--reason', 'x')).code).toBe(2);
  const tooLong = await nxs('sandbox', 'allow-unsandboxed', '--minutes', '999', '--reason', 'because');
  expect(tooLong.code).toBe(2);
  expect(tooLong.err).toMatch(/minutes must be an integer from 1 to 60/);
  expect(audit.entries.map((e) => e.operation_type)).toEqual(['sandbox.override.grant', 'sandbox.override.revoke']);
});
