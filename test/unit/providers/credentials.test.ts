import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync, statSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { CredentialStore, credentialStorePaths } from '../../../src/providers/credential-store.ts';
import { resolveCredential } from '../../../src/providers/credentials.ts';
import { parseProviderEntry } from '../../../src/providers/provider-spec.ts';
import { ConfigCheck } from '../../../src/config/check.ts';
import { runCli } from '../../../src/cli/program.ts';
import { REPO_ROOT } from '../../helpers/test-context.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'nxs-cred-'));
const spec = (extra: Record<string, unknown> = {}) => parseProviderEntry({ name: 'groq', base_url: 'https://api.groq.com/openai/v1', ...extra }, 'p', new ConfigCheck(), { order: 0, local: false });

describe('encrypted credential store', () => {
  it('round-trips, keeps the key apart and 0600, and holds no plaintext', () => {
    const home = tmp();
    const store = new CredentialStore(credentialStorePaths(home, path.join(home, 'data')));
    store.set('GROQ_API_KEY', 'gsk_plaintext_never_on_disk');
    store.set('OTHER', 'x-other-value');
    expect(store.get('GROQ_API_KEY')).toBe('gsk_plaintext_never_on_disk');
    expect(store.list()).toEqual(['GROQ_API_KEY', 'OTHER']);
    expect(readFileSync(store.paths.file, 'utf8')).not.toContain('gsk_plaintext');
    expect(store.paths.keyFile.startsWith(path.join(home, 'keys'))).toBe(true);
    expect(statSync(store.paths.file).mode & 0o777).toBe(0o600);
    expect(statSync(store.paths.keyFile).mode & 0o777).toBe(0o600);
    store.remove('OTHER');
    expect(store.list()).toEqual(['GROQ_API_KEY']);
    expect(() => store.remove('OTHER')).toThrow(expect.objectContaining({ code: 'NXS_ERR_SECRET_NOT_FOUND' }));
  });

  it('refuses a tampered file and a lost key with a clear code', () => {
    const home = tmp();
    const paths = credentialStorePaths(home, path.join(home, 'data'));
    const store = new CredentialStore(paths);
    store.set('K', 'value-123456');
    const sealed = JSON.parse(readFileSync(paths.file, 'utf8'));
    sealed.data = Buffer.from('tampered!').toString('base64');
    writeFileSync(paths.file, JSON.stringify(sealed));
    expect(() => store.get('K')).toThrow(expect.objectContaining({ code: 'NXS_ERR_SECRET_STORE' }));
    const other = credentialStorePaths(tmp(), path.dirname(paths.file));
    expect(() => new CredentialStore(other).get('K')).toThrow(/key .* is missing/);
  });

  it('refuses bad names and multi-line values', () => {
    const home = tmp();
    const store = new CredentialStore(credentialStorePaths(home, path.join(home, 'data')));
    expect(() => store.set('../x', 'v')).toThrow(expect.objectContaining({ code: 'NXS_ERR_SECRET_INVALID' }));
    expect(() => store.set('X', 'a\nb')).toThrow(expect.objectContaining({ code: 'NXS_ERR_SECRET_INVALID' }));
  });
});

describe('credential resolution order', () => {
  it('env, then <ENV>_FILE, then /run/secrets, then the store, then config, then the prompt', async () => {
    const home = tmp();
    const secretsDir = path.join(home, 'secrets');
    mkdirSync(secretsDir);
    const store = new CredentialStore(credentialStorePaths(home, path.join(home, 'data')));
    const redacted: string[] = [];
    const src = (env: Record<string, string>, prompt?: () => Promise<string>) => ({ env, secretsDir, store, redact: (s: string) => redacted.push(s), prompt });
    const p = spec({ api_key: 'from-config-key' });
    expect(await resolveCredential(p, src({}, async () => 'typed'))).toMatchObject({ source: 'config', value: 'from-config-key' });
    store.set('GROQ_API_KEY', 'from-store-key');
    expect(await resolveCredential(p, src({}))).toMatchObject({ source: 'store', value: 'from-store-key' });
    writeFileSync(path.join(secretsDir, 'groq_api_key'), 'from-mounted-key\n');
    expect(await resolveCredential(p, src({}))).toMatchObject({ source: 'secret-file', value: 'from-mounted-key' });
    const f = path.join(home, 'keyfile');
    writeFileSync(f, 'from-env-file-key\n');
    expect(await resolveCredential(p, src({ GROQ_API_KEY_FILE: f }))).toMatchObject({ source: 'env-file', value: 'from-env-file-key' });
    expect(await resolveCredential(p, src({ GROQ_API_KEY_FILE: f, GROQ_API_KEY: 'from-env-key' }))).toMatchObject({ source: 'env', value: 'from-env-key' });
    expect(await resolveCredential(spec(), { env: {}, secretsDir: '/nonexistent', store: null, redact: () => undefined, prompt: async () => 'typed-key' })).toMatchObject({ source: 'prompt', value: 'typed-key' });
    expect(redacted).toEqual(expect.arrayContaining(['from-config-key', 'from-store-key', 'from-mounted-key', 'from-env-file-key', 'from-env-key']));
  });
});

describe('nxs secrets', () => {
  const cli = (home: string, out: string[], stdin?: Readable) => ({
    version: 't', env: { NXS_HOME: home }, paths: { runtimeDir: REPO_ROOT, payloadDir: path.join(REPO_ROOT, 'payload'), identityDir: '', sqliteBinding: undefined, packed: false },
    stdout: (t: string) => out.push(t), stderr: (t: string) => out.push(t), setExitCode: () => undefined, isTTY: false, stdin, stdinIsTTY: false,
  });

  it('set reads the value from stdin, ls lists names only, rm removes', async () => {
    const home = tmp();
    const out: string[] = [];
    expect(await runCli(['secrets', 'set', 'KIMI_API_KEY'], cli(home, out, Readable.from(['sk-kimi-from-stdin\n'])))).toBe(0);
    expect(await runCli(['secrets', 'ls', '--json'], cli(home, out))).toBe(0);
    expect(JSON.parse(out.at(-1)!).names).toEqual(['KIMI_API_KEY']);
    expect(out.join('')).not.toContain('sk-kimi-from-stdin');
    expect(new CredentialStore(credentialStorePaths(home, path.join(home, 'data'))).get('KIMI_API_KEY')).toBe('sk-kimi-from-stdin');
    expect(await runCli(['secrets', 'rm', 'KIMI_API_KEY'], cli(home, out))).toBe(0);
    expect(await runCli(['secrets', 'rm', 'KIMI_API_KEY'], cli(home, out))).toBe(6);
    expect(await runCli(['secrets', 'set', 'X'], cli(home, out, Readable.from([''])))).toBe(2);
  });
});
