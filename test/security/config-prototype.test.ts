import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it, expect, afterAll } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config/load.ts';
import { NxsError } from '../../src/core/errors.ts';

// Issue 14, item 10: `__proto__: {api_token: X}` in the config passed the unknown-key check (the merge
// assigned it as the merged document's prototype, so no own key was unknown) and X became the operator token.

const ATTACKER_TOKEN = 'attacker_chosen_operator_token_0123456789';
const home = mkdtempSync(path.join(tmpdir(), 'nxs-cfgproto-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

function load(yaml: string): () => unknown {
  const file = path.join(home, 'nxs.yaml');
  writeFileSync(file, yaml);
  return () => loadConfig({ env: { NXS_HOME: home } });
}

function errorOf(fn: () => unknown): NxsError {
  let result: unknown;
  try {
    result = fn();
  } catch (err) {
    if (err instanceof NxsError) return err;
    throw err;
  }
  throw new Error(`expected an NxsError; loaded ${JSON.stringify(result)}`);
}

describe('prototype keys in the config (issue 14, item 10)', () => {
  it('__proto__: {api_token: X} does not set the operator token: refused, exit 3', () => {
    const attack = load(`tier: auto\n__proto__:\n  api_token: ${ATTACKER_TOKEN}\n`);
    const err = errorOf(attack);
    expect(err.code).toBe('NXS_ERR_CONFIG_INVALID');
    expect(err.message).toContain(`${path.join(home, 'nxs.yaml')}: __proto__ must not be a key`);
    expect(err.message).not.toContain(ATTACKER_TOKEN);
  });

  it.each([
    ['server:\n  __proto__:\n    port: 1\n', 'server.__proto__'],
    ['tier: auto\nconstructor:\n  prototype:\n    api_token: x\n', 'constructor'],
    ['providers:\n  - name: a\n    prototype: {}\n', 'providers.0.prototype'],
  ])('refuses %j at any depth, naming %s', (yaml, key) => {
    const err = errorOf(load(yaml));
    expect(err.code).toBe('NXS_ERR_CONFIG_INVALID');
    expect(err.message).toContain(`${key} must not be a key`);
  });

  it('a document built in code (reload, tests) is checked too', () => {
    const doc = JSON.parse(`{"__proto__": {"api_token": "${ATTACKER_TOKEN}"}}`) as Record<string, unknown>;
    const err = errorOf(() => parseConfig(doc, new Map(), home));
    expect(err.code).toBe('NXS_ERR_CONFIG_INVALID');
  });
});
