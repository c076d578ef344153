import { describe, test, expect } from 'vitest';
import type { Capability } from '../../../src/core/capabilities.ts';
import { decideTool } from '../../../src/tools/gate.ts';
import { validateToolCall } from '../../../src/tools/validate-args.ts';
import type { ToolName } from '../../../src/tools/definitions.ts';

const caps = (...c: Capability[]) => new Set<Capability>(c);

describe('decideTool', () => {
  const off = { shellForOther: false };
  const on = { shellForOther: true };
  test.each([
    ['read_file', caps('ACCESS_FS'), 'main', {}, off, true],
    ['read_file', caps(), 'main', {}, off, false],
    ['read_file', caps('ACCESS_FS'), 'other', {}, off, true],
    ['list_dir', caps('ACCESS_NET'), 'main', {}, off, false],
    ['write_file', caps('ACCESS_FS'), 'main', {}, off, true],
    ['write_file', caps('ACCESS_FS'), 'other', {}, off, false],
    ['write_file', caps('ADMIN'), 'other', {}, off, false],
    ['http_fetch', caps('ACCESS_NET'), 'main', { method: 'POST' }, off, true],
    ['http_fetch', caps('ACCESS_FS'), 'main', {}, off, false],
    ['http_fetch', caps('ACCESS_NET'), 'other', {}, off, true],
    ['http_fetch', caps('ACCESS_NET'), 'other', { method: 'POST' }, off, false],
    ['http_fetch', caps('ACCESS_NET'), 'other', { method: 'HEAD' }, off, true],
    ['shell', caps('ACCESS_IO'), 'main', {}, off, true],
    ['shell', caps('ACCESS_FS', 'ACCESS_NET'), 'main', {}, off, false],
    ['shell', caps('ADMIN'), 'main', {}, off, true],
    ['shell', caps('ACCESS_IO'), 'other', {}, off, false],
    ['shell', caps('ACCESS_IO'), 'other', {}, on, true],
  ] as const)('%s with %s in %s %j -> %s', (tool, held, trust, args, policy, allowed) => {
    expect(decideTool(tool as ToolName, held, trust, args, policy).allowed).toBe(allowed);
  });

  test('a capability denial names the capability', () => {
    expect(decideTool('shell', caps(), 'main', {}, { shellForOther: false })).toMatchObject({ allowed: false, needs: 'ACCESS_IO', reason: expect.stringContaining('ACCESS_IO') });
  });
});

describe('validateToolCall', () => {
  test.each([
    ['rm_rf', '{}', /unknown tool "rm_rf"/],
    [42, '{}', /unknown tool 42/],
    ['shell', '{"command":', /not valid JSON.*"command"/],
    ['shell', '[1,2]', /must be a JSON object/],
    ['shell', '{}', /missing required argument "command"/],
    ['shell', '{"command":12}', /"command" must be a string; got number 12/],
    ['shell', '{"command":"ls","sudo":true}', /unknown argument "sudo"/],
    ['read_file', '{"path":"a","offset":-1}', /"offset" must be at least 0/],
    ['read_file', '{"path":"a","offset":1.5}', /"offset" must be an integer/],
    ['write_file', '{"path":"a"}', /missing required argument "content"/],
    ['write_file', '{"path":"a","content":"x","append":"yes"}', /"append" must be true or false/],
    ['http_fetch', '{"url":"http://x","method":"TRACE"}', /"method" must be one of GET, HEAD/],
    ['http_fetch', '{"url":"http://x","headers":{"a":1}}', /"a" is number/],
  ] as const)('%s %s is refused with a readable message', (name, args, message) => {
    const r = validateToolCall(name, args);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(message);
  });

  test('good calls pass, as a string or an object, empty arguments read as {}', () => {
    expect(validateToolCall('shell', '{"command":"ls"}')).toMatchObject({ ok: true, args: { command: 'ls' } });
    expect(validateToolCall('list_dir', '')).toMatchObject({ ok: true, args: {} });
    expect(validateToolCall('read_file', { path: 'a.txt', max_bytes: 10 })).toMatchObject({ ok: true });
  });
});
