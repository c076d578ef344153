import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../src/config/load.ts';
import { NxsError } from '../../../src/core/errors.ts';

function home(yaml?: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'nxs-cfg-'));
  if (yaml !== undefined) writeFileSync(path.join(dir, 'nxs.yaml'), yaml);
  return dir;
}

function errorOf(fn: () => unknown): NxsError {
  try {
    fn();
  } catch (err) {
    if (err instanceof NxsError) return err;
    throw err;
  }
  throw new Error('expected an NxsError');
}

describe('loadConfig', () => {
  it('uses built-in defaults with no file', () => {
    const h = home();
    const { config, files } = loadConfig({ env: { NXS_HOME: h } });
    expect(files).toEqual([]);
    expect(config.server).toEqual({ host: '127.0.0.1', port: 7878, maxBodyBytes: 1048576, headersTimeoutMs: 20_000, requestTimeoutMs: 120_000, keepAliveTimeoutMs: 5000, idleTimeoutMs: 60_000, maxConnections: 0 });
    expect(config.dataDir).toBe(path.join(h, 'data'));
    expect(config.tier).toBe('auto');
  });

  it('layers file < environment < flags', () => {
    const h = home('server:\n  port: 9000\n  host: 0.0.0.0\nlog:\n  level: debug\n');
    expect(loadConfig({ env: { NXS_HOME: h } }).config.server.port).toBe(9000);
    expect(loadConfig({ env: { NXS_HOME: h, NXS_PORT: '9100' } }).config.server.port).toBe(9100);
    const { config } = loadConfig({ env: { NXS_HOME: h, NXS_PORT: '9100' }, flags: { port: 0, dataDir: '/x/y' } });
    expect(config.server).toMatchObject({ port: 0, host: '0.0.0.0' });
    expect(config.dataDir).toBe('/x/y');
    expect(config.log.level).toBe('debug');
  });

  it('HOME/.nxs is the default home; NXS_CONFIG names the file', () => {
    const h = home();
    const file = path.join(h, 'other.yaml');
    writeFileSync(file, 'tier: minimal\n');
    const { config, files } = loadConfig({ env: { HOME: h, NXS_CONFIG: file } });
    expect(config.home).toBe(path.join(h, '.nxs'));
    expect(config.tier).toBe('minimal');
    expect(files).toEqual([file]);
  });

  it.each([
    ['server:\n  port: http\n', 'server.port must be an integer from 0 to 65535; got "http"'],
    ['server:\n  port: 70000\n', 'server.port must be an integer from 0 to 65535; got 70000'],
    ['log:\n  level: loud\n', 'log.level must be one of fatal, error, warn, info, debug, trace, silent; got "loud"'],
    ['tier: huge\n', 'tier must be one of auto, minimal, standard, full; got "huge"'],
    ['sever:\n  port: 1\n', 'sever must be one of the known keys of the config'],
    ['server:\n  prot: 1\n', 'server.prot must be one of the known keys of server (host, port, max_body_bytes, headers_timeout_ms,'],
    ['server: 5\n', 'server must be a mapping of keys to values; got 5'],
  ])('refuses %j naming the file and key', (yaml, message) => {
    const h = home(yaml);
    const err = errorOf(() => loadConfig({ env: { NXS_HOME: h } }));
    expect(err.code).toBe('NXS_ERR_CONFIG_INVALID');
    expect(err.message).toContain(`${path.join(h, 'nxs.yaml')}: ${message}`);
  });

  it('names the environment variable when the bad value came from it', () => {
    const err = errorOf(() => loadConfig({ env: { NXS_HOME: home(), NXS_PORT: '-1' } }));
    expect(err.message).toBe('environment variable NXS_PORT: server.port must be an integer from 0 to 65535; got "-1"');
  });

  it('refuses YAML that does not parse, with the line', () => {
    const h = home('server:\n  port: [1,\n');
    const err = errorOf(() => loadConfig({ env: { NXS_HOME: h } }));
    expect(err.code).toBe('NXS_ERR_CONFIG_UNREADABLE');
    expect(err.message).toMatch(/nxs\.yaml at line \d+, column \d+: not valid YAML: wrong indentation \(BAD_INDENT\)/);
  });

  it('refuses a document that is not a mapping, and an explicit file that is missing', () => {
    expect(errorOf(() => loadConfig({ env: { NXS_HOME: home('- a\n- b\n') } })).message).toContain('the document must be a mapping');
    const missing = errorOf(() => loadConfig({ env: { NXS_HOME: home() }, flags: { config: '/nonexistent/nxs.yaml' } }));
    expect(missing.code).toBe('NXS_ERR_CONFIG_UNREADABLE');
    expect(missing.message).toContain('/nonexistent/nxs.yaml');
  });
});
