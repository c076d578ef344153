import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, twinOf, parseYamlText } from '../../../src/config/load.ts';

// The build writes payload/nxs.yaml.json beside the shipped defaults; these
// tests pin when that parsed twin may stand in for the YAML and when it may not.
const YAML = 'server:\n  port: 7001\n';

function payload(twin?: string): { file: string; home: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'nxs-twin-'));
  const file = path.join(dir, 'nxs.yaml');
  writeFileSync(file, YAML);
  if (twin !== undefined) writeFileSync(`${file}.json`, twin);
  return { file, home: path.join(dir, 'home') };
}

const portOf = (p: { file: string; home: string }): number => loadConfig({ env: { NXS_HOME: p.home }, defaultsFile: p.file }).config.server.port;

describe('the parsed twin of the shipped defaults', () => {
  it('is used when it was made from the very text beside it', () => {
    // A twin saying 7002 for a YAML saying 7001 shows which one was read.
    expect(portOf(payload(JSON.stringify(twinOf(YAML, { server: { port: 7002 } }))))).toBe(7002);
  });

  it('is ignored when the YAML changed after it was made', () => {
    expect(portOf(payload(JSON.stringify(twinOf('server:\n  port: 7003\n', { server: { port: 7002 } }))))).toBe(7001);
  });

  it('is ignored when it is garbage or not a mapping', () => {
    expect(portOf(payload('{not json'))).toBe(7001);
    expect(portOf(payload(JSON.stringify({ sha256: twinOf(YAML, {}).sha256, doc: [1, 2] })))).toBe(7001);
  });

  it('is not needed: without one the YAML is parsed', () => {
    expect(portOf(payload())).toBe(7001);
  });

  it('matches the YAML for the defaults this repository ships', () => {
    const file = path.resolve(import.meta.dirname, '../../../payload/nxs.yaml');
    const text = readFileSync(file, 'utf8');
    expect(twinOf(text, parseYamlText(file, text)).doc).toMatchObject({ server: { port: 7878 }, tier: 'auto' });
  });
});
