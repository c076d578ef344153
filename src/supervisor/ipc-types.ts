// Seed 004's typed messages: both request formats, the declared type checked
// against the data. Pure functions; the error texts are the seed's.
import { NxsError } from '../core/errors.ts';

export const IPC_TYPES = ['text', 'number', 'json'] as const;
export type IpcType = (typeof IPC_TYPES)[number];

export interface JsonSchema {
  type?: 'string' | 'number' | 'integer' | 'boolean' | 'null' | 'object' | 'array';
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
}

export interface IpcMessageIn {
  from: string;
  to: string;
  intent: string | null;
  type: IpcType;
  data: unknown;
}

/** Parses either documented format into one shape, checking the type. Throws NxsError 400 with the seed's text. */
export function parseIpcRequest(body: unknown): IpcMessageIn {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('body must be a JSON object in format 1 {from, to, message:{intent, data, type}} or format 2 {from_agent_id, to_agent_id, data, metadata:{type}}');
  const b = body as Record<string, unknown>;
  if ('message' in b || 'from' in b || 'to' in b) {
    const m = b.message;
    if (typeof m !== 'object' || m === null || Array.isArray(m)) throw invalid('format 1 needs "message": {"intent", "data", "type"}');
    const msg = m as Record<string, unknown>;
    const type = declaredType(msg.type, 'message.type');
    if (!('data' in msg)) throw invalid('format 1 needs message.data');
    checkType(type, msg.data, msg.schema, 'message.schema');
    return { from: agentRef(b.from, 'from'), to: agentRef(b.to, 'to'), intent: optIntent(msg.intent, 'message.intent'), type, data: msg.data };
  }
  if ('from_agent_id' in b || 'to_agent_id' in b) {
    const meta = b.metadata;
    if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) throw invalid('format 2 needs "metadata": {"type"}');
    const md = meta as Record<string, unknown>;
    const type = declaredType(md.type, 'metadata.type');
    if (typeof b.data !== 'string') throw invalid('format 2 needs "data" as a base64 string');
    const value = decodeFormat2(type, b.data);
    checkType(type, value, md.schema, 'metadata.schema');
    return { from: agentRef(b.from_agent_id, 'from_agent_id'), to: agentRef(b.to_agent_id, 'to_agent_id'), intent: optIntent(md.intent, 'metadata.intent'), type, data: value };
  }
  throw invalid('body matches neither format: expected {from, to, message} or {from_agent_id, to_agent_id, data, metadata}');
}

/**
 * Format 2 carries bytes. `text` must be valid UTF-8; `number` and `json` must
 * be the JSON text of the value. What the bytes turn out to be is the "actual" type.
 */
export function decodeFormat2(type: IpcType, b64: string): unknown {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(b64.trim())) throw invalid('data is not base64');
  const bytes = Buffer.from(b64.trim(), 'base64');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw mismatch(type, 'binary');
  }
  if (type === 'text') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw mismatch(type, 'text');
  }
}

export function checkType(type: IpcType, data: unknown, schema: unknown, schemaPath: string): void {
  if (type === 'json') {
    if (data === undefined) throw mismatch(type, 'undefined');
    if (schema === undefined) return;
    const problem = validateSchema(schema as JsonSchema, data, '$', schemaPath);
    if (problem) throw new NxsError('NXS_ERR_IPC_TYPE_MISMATCH', `Type mismatch: declared type 'json' but data does not match its schema: ${problem}`);
    return;
  }
  const actual = actualType(data);
  const ok = type === 'text' ? actual === 'text' : actual === 'number';
  if (!ok) throw mismatch(type, actual);
}

export function actualType(v: unknown): string {
  if (typeof v === 'string') return 'text';
  if (typeof v === 'number') return Number.isFinite(v) ? 'number' : 'invalid number';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : typeof v;
}

/** A small JSON-schema subset: type, properties, required, items, enum. Returns the first problem, or null. */
export function validateSchema(schema: JsonSchema, v: unknown, at: string, schemaPath = 'schema'): string | null {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) throw invalid(`${schemaPath} must be an object (type, properties, required, items, enum)`);
  for (const key of Object.keys(schema)) {
    if (!['type', 'properties', 'required', 'items', 'enum', '$schema', 'title', 'description'].includes(key)) throw invalid(`${schemaPath}.${key} is not supported; use type, properties, required, items or enum`);
  }
  if (schema.enum !== undefined) {
    if (!Array.isArray(schema.enum)) throw invalid(`${schemaPath}.enum must be a list`);
    if (!schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) return `${at} must be one of ${JSON.stringify(schema.enum)}`;
  }
  if (schema.type !== undefined) {
    const t = schema.type;
    const ok =
      t === 'string' ? typeof v === 'string'
      : t === 'number' ? typeof v === 'number' && Number.isFinite(v)
      : t === 'integer' ? Number.isInteger(v)
      : t === 'boolean' ? typeof v === 'boolean'
      : t === 'null' ? v === null
      : t === 'array' ? Array.isArray(v)
      : t === 'object' ? typeof v === 'object' && v !== null && !Array.isArray(v)
      : (() => {
          throw invalid(`${schemaPath}.type must be one of string, number, integer, boolean, null, object, array`);
        })();
    if (!ok) return `${at} must be ${t === 'array' || t === 'object' || t === 'integer' ? `an ${t}` : `a ${t}`}, got ${actualType(v)}`;
  }
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    for (const r of schema.required ?? []) if (!(r in o)) return `${at}.${r} is required`;
    for (const [k, sub] of Object.entries(schema.properties ?? {})) {
      if (k in o) {
        const p = validateSchema(sub, o[k], `${at}.${k}`, `${schemaPath}.properties.${k}`);
        if (p) return p;
      }
    }
  }
  if (Array.isArray(v) && schema.items) {
    for (let i = 0; i < v.length; i++) {
      const p = validateSchema(schema.items, v[i], `${at}[${i}]`, `${schemaPath}.items`);
      if (p) return p;
    }
  }
  return null;
}

function declaredType(v: unknown, field: string): IpcType {
  if (typeof v !== 'string' || !(IPC_TYPES as readonly string[]).includes(v)) throw invalid(`${field} must be one of ${IPC_TYPES.join(', ')}; got ${JSON.stringify(v) ?? 'nothing'}`);
  return v as IpcType;
}

function agentRef(v: unknown, field: string): string {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) return String(v);
  if (typeof v === 'string' && /^\d{1,15}$/.test(v)) return String(Number(v));
  throw invalid(`${field} must be an agent id (a positive integer); got ${JSON.stringify(v) ?? 'nothing'}`);
}

function optIntent(v: unknown, field: string): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || v.length > 200) throw invalid(`${field} must be a string of at most 200 characters`);
  return v;
}

function mismatch(declared: string, actual: string): NxsError {
  return new NxsError('NXS_ERR_IPC_TYPE_MISMATCH', `Type mismatch: declared type '${declared}' but data is '${actual}'`, { declared, actual });
}

function invalid(message: string): NxsError {
  return new NxsError('NXS_ERR_IPC_INVALID', message);
}
