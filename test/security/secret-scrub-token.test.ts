import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { spawnCli } from '../helpers/cli-session.ts';
import { REPO_ROOT } from '../helpers/test-context.ts';
import { startHost } from '../../src/boot/host.ts';
import { hostRoutesStep } from '../../src/boot/host-routes.ts';
import { NxsError } from '../../src/core/errors.ts';
import { EXIT } from '../../src/core/errors.ts';

// The attack (issue 14, item 7): an operator sets a short token (the API's ADMIN bearer secret, tried
// by anyone who reaches the port). Before the fix any non-empty token was taken as it was.
const SHORT = 'hunter2-token';

function tempHome(): string {
  return mkdtempSync(path.join(tmpdir(), 'nxs-weak-token-'));
}

/** startHost in this process on `home`; resolves with the error it refused with, or null when it started (it is stopped). */
async function startError(home: string, env: Record<string, string> = {}): Promise<NxsError | null> {
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  try {
    const host = await startHost({
      version: 'test',
      env: { NXS_HOME: home, NXS_PORT: '0', ...env },
      paths: { runtimeDir: REPO_ROOT, payloadDir: path.join(REPO_ROOT, 'payload'), identityDir: path.join(REPO_ROOT, 'identity'), sqliteBinding: undefined, packed: false },
      logDestination: sink,
      steps: [hostRoutesStep],
    });
    await host.stop('test done');
    return null;
  } catch (err) {
    if (err instanceof NxsError) return err;
    throw err;
  }
}

describe('a weak operator token is refused at start', () => {
  it('nxs start with a short NXS_API_TOKEN exits 3 with NXS_ERR_TOKEN_WEAK, naming the variable and not the token', async () => {
    const home = tempHome();
    try {
      await using nxs = spawnCli(['start', '--port', '0'], { env: { HOME: home, NXS_HOME: home, NXS_API_TOKEN: SHORT } });
      const { code } = await nxs.exited;
      expect(code).toBe(EXIT.CONFIG);
      expect(nxs.stderr()).toContain('[NXS_ERR_TOKEN_WEAK]');
      expect(nxs.stderr()).toContain('environment variable NXS_API_TOKEN');
      expect(nxs.stderr() + nxs.stdout()).not.toContain(SHORT);
      expect(nxs.stdout()).not.toContain('ready at');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('names the config file for api_token, and the file for a weak api-token file; a long run of one character is weak too', async () => {
    const home = tempHome();
    try {
      writeFileSync(path.join(home, 'nxs.yaml'), stringify({ api_token: SHORT }));
      const fromConfig = await startError(home);
      expect(fromConfig?.code).toBe('NXS_ERR_TOKEN_WEAK');
      expect(fromConfig?.message).toContain(`api_token in ${path.join(home, 'nxs.yaml')}`);
      expect(fromConfig?.message).not.toContain(SHORT);

      writeFileSync(path.join(home, 'nxs.yaml'), stringify({ api_token: 'a'.repeat(64) }));
      expect((await startError(home))?.code).toBe('NXS_ERR_TOKEN_WEAK');

      writeFileSync(path.join(home, 'nxs.yaml'), '{}\n');
      const file = path.join(home, 'data', 'api-token');
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      writeFileSync(file, `${SHORT}\n`, { mode: 0o600 });
      const fromFile = await startError(home);
      expect(fromFile?.code).toBe('NXS_ERR_TOKEN_WEAK');
      expect(fromFile?.message).toContain(`the token file ${file}`);

      // A refusal frees the data folder: the next start with a strong token takes it.
      expect(await startError(home, { NXS_API_TOKEN: 'f3a9c2e51d84b06c7e2a91d0b4f6a8c3' })).toBeNull();
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
