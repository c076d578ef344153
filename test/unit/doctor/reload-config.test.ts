import { describe, it, expect } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { parseConfig } from '../../../src/config/load.ts';
import { changedSettings, describeReload } from '../../../src/config/reload.ts';
import { hostActions } from '../../../src/doctor/actions.ts';
import { hostRoutesStep } from '../../../src/boot/host-routes.ts';
import { makeTestContext } from '../../helpers/test-context.ts';
import { startTestHost } from '../../helpers/test-host.ts';

const config = (doc: Record<string, unknown>) => parseConfig({ data_dir: '/tmp/nxs-reload-test', ...doc }, new Map(), '/tmp');

describe('changedSettings', () => {
  it.each([
    ['nothing', {}, {}, []],
    ['the log level alone', { log: { level: 'info' } }, { log: { level: 'debug' } }, ['log.level']],
    ['log.pretty apart from the level', { log: { pretty: 'never' } }, { log: { pretty: 'always', level: 'warn' } }, ['log.level', 'log.pretty']],
    [
      'a section and a core key, by their config names',
      {},
      { doctor: { enabled: false }, server: { port: 9999 }, shutdown_timeout_ms: 1234 },
      ['doctor', 'server', 'shutdown_timeout_ms'],
    ],
    ['the api token by name only', {}, { api_token: 'a-secret-token-value-1234567890' }, ['api_token']],
  ])('%s', (_what, before, after, want) => {
    expect(changedSettings(config(before), config(after))).toEqual(want);
  });
});

// Issue 16: reload_config said "config reloaded" and nothing reloaded (it even read the config
// without the host's --config flag, and emitted an event nobody listened to).
describe("the doctor's reload_config", () => {
  it('applies a new log level to the running logger and its children, and names what needs a restart', async () => {
    await using ctx = await makeTestContext({ config: { log: { level: 'info' } } });
    ctx.log.level = 'info';
    const child = ctx.log.child({ part: 'providers' });
    const same = { data_dir: ctx.config.dataDir };
    const next = { config: parseConfig({ ...same, log: { level: 'debug' }, server: { port: 9999 } }, new Map(), ctx.config.home), files: ['/etc/nxs.yaml'] };
    const actions = hostActions({ ...ctx, rereadConfig: () => next }, { routes: [], status: new Map(), readiness: new Map() } as never);
    const said = await actions.reload_config({});
    expect(said).toBe('config re-read from /etc/nxs.yaml: applied log.level: info -> debug; changed but needs a restart to take effect: server');
    expect(ctx.log.level).toBe('debug');
    expect(child.isLevelEnabled('debug')).toBe(true);
    // Again: nothing left to apply; what waits for a restart is still named.
    expect(await actions.reload_config({})).toBe('config re-read from /etc/nxs.yaml: nothing to apply live; changed but needs a restart to take effect: server');
  });

  it('a config that no longer validates fails the fix and applies nothing', async () => {
    await using ctx = await makeTestContext();
    ctx.log.level = 'info';
    const actions = hostActions({ ...ctx, rereadConfig: () => config({ log: { level: 'loud' } }) as never }, {} as never);
    expect(() => actions.reload_config({})).toThrow(expect.objectContaining({ code: 'NXS_ERR_CONFIG_INVALID' }));
    expect(ctx.log.level).toBe('info');
  });

  it('on a real host, re-reads the config file the host started with', async () => {
    await using host = await startTestHost({ config: { log: { level: 'info', pretty: 'never' } }, steps: [hostRoutesStep] });
    const file = path.join(host.home, 'nxs.yaml');
    writeFileSync(file, stringify({ log: { level: 'warn', pretty: 'never' } }));
    const said = await hostActions(host.ctx, host.parts).reload_config({});
    expect(said).toMatch(new RegExp(`^config re-read from .*payload/nxs.yaml, ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: applied log.level: info -> warn$`));
    expect(host.ctx.log.level).toBe('warn');
  });
});

describe('describeReload', () => {
  it('says when nothing changed', () => {
    expect(describeReload({ files: [], applied: [], needsRestart: [] })).toBe('config re-read from the built-in defaults: nothing to apply live');
  });
});
