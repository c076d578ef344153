import { describe, it, expect } from 'vitest';
import { parseIpcRequest, validateSchema } from '../../../src/supervisor/ipc-types.ts';
import { NxsError } from '../../../src/core/errors.ts';

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');
const f1 = (data: unknown, type: string, schema?: unknown) => ({ from: 1, to: 2, message: { intent: 'x', data, type, ...(schema ? { schema } : {}) } });
const f2 = (data: string, type: string, schema?: unknown) => ({ from_agent_id: 1, to_agent_id: '2', data, metadata: { type, ...(schema ? { schema } : {}) } });

function outcome(body: unknown): string {
  try {
    const m = parseIpcRequest(body);
    return `ok ${JSON.stringify(m.data)}`;
  } catch (err) {
    return err instanceof NxsError ? `${err.code}: ${err.message}` : `thrown ${String(err)}`;
  }
}

describe('IPC type checks', () => {
  const S = { type: 'object', required: ['id'], properties: { id: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } }, kind: { enum: ['a', 'b'] } } };
  it.each([
    ['f1 text ok', f1('Hello', 'text'), 'ok "Hello"'],
    ['f1 number in text', f1(12345, 'text'), "NXS_ERR_IPC_TYPE_MISMATCH: Type mismatch: declared type 'text' but data is 'number'"],
    ['f1 text in number', f1('12', 'number'), "NXS_ERR_IPC_TYPE_MISMATCH: Type mismatch: declared type 'number' but data is 'text'"],
    ['f1 object in text', f1({ a: 1 }, 'text'), "NXS_ERR_IPC_TYPE_MISMATCH: Type mismatch: declared type 'text' but data is 'object'"],
    ['f1 number ok', f1(3.5, 'number'), 'ok 3.5'],
    ['f1 json with schema ok', f1({ id: 1, tags: ['x'], kind: 'a' }, 'json', S), 'ok {"id":1,"tags":["x"],"kind":"a"}'],
    ['f1 json missing required', f1({ tags: [] }, 'json', S), "NXS_ERR_IPC_TYPE_MISMATCH: Type mismatch: declared type 'json' but data does not match its schema: $.id is required"],
    ['f1 json bad item', f1({ id: 1, tags: ['x', 2] }, 'json', S), "NXS_ERR_IPC_TYPE_MISMATCH: Type mismatch: declared type 'json' but data does not match its schema: $.tags[1] must be a string, got number"],
    ['f1 json bad enum', f1({ id: 1, kind: 'c' }, 'json', S), 'NXS_ERR_IPC_TYPE_MISMATCH: Type mismatch: declared type \'json\' but data does not match its schema: $.kind must be one of ["a","b"]'],
    ['f1 unknown type', f1('x', 'binary'), 'NXS_ERR_IPC_INVALID: message.type must be one of text, number, json; got "binary"'],
    ['f1 unsupported schema key', f1({}, 'json', { oneOf: [] }), 'NXS_ERR_IPC_INVALID: message.schema.oneOf is not supported; use type, properties, required, items or enum'],
    ['f2 text ok', f2(b64('Hello'), 'text'), 'ok "Hello"'],
    ['f2 number ok', f2(b64('42'), 'number'), 'ok 42'],
    ['f2 text in number', f2(b64('forty'), 'number'), "NXS_ERR_IPC_TYPE_MISMATCH: Type mismatch: declared type 'number' but data is 'text'"],
    ['f2 object in number', f2(b64('{"a":1}'), 'number'), "NXS_ERR_IPC_TYPE_MISMATCH: Type mismatch: declared type 'number' but data is 'object'"],
    ['f2 binary in text', f2(b64(Buffer.from([0xff, 0xfe, 0x00])), 'text'), "NXS_ERR_IPC_TYPE_MISMATCH: Type mismatch: declared type 'text' but data is 'binary'"],
    ['f2 json with schema', f2(b64('{"id":7}'), 'json', S), 'ok {"id":7}'],
    ['f2 not base64', f2('***', 'text'), 'NXS_ERR_IPC_INVALID: data is not base64'],
    ['f2 data not a string', { from_agent_id: 1, to_agent_id: 2, data: 5, metadata: { type: 'number' } }, 'NXS_ERR_IPC_INVALID: format 2 needs "data" as a base64 string'],
    ['bad from', { from: -1, to: 2, message: { data: 'x', type: 'text' } }, 'NXS_ERR_IPC_INVALID: from must be an agent id (a positive integer); got -1'],
    ['neither format', { hello: 1 }, 'NXS_ERR_IPC_INVALID: body matches neither format: expected {from, to, message} or {from_agent_id, to_agent_id, data, metadata}'],
  ])('%s', (_n, body, expected) => {
    expect(outcome(body)).toBe(expected);
  });

  it('validates nested schemas without throwing on valid data', () => {
    expect(validateSchema({ type: 'array', items: { type: 'object', properties: { n: { type: 'number' } } } }, [{ n: 1 }, { n: 2 }], '$')).toBeNull();
    expect(validateSchema({ type: 'integer' }, 1.5, '$')).toBe('$ must be an integer, got number');
  });
});
