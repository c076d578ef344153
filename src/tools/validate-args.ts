import { TOOL_DEFINITIONS, isToolName, type ToolName, type PropSchema } from './definitions.ts';

export type ArgsCheck = { ok: true; name: ToolName; args: Record<string, unknown> } | { ok: false; message: string };

/**
 * Parses and checks a tool call against its definition. Pure; a malformed call
 * yields a message the model can act on (which field, what form), never a throw.
 */
export function validateToolCall(name: unknown, rawArgs: unknown): ArgsCheck {
  if (!isToolName(name)) return { ok: false, message: `unknown tool ${JSON.stringify(name)}; available: ${Object.keys(TOOL_DEFINITIONS).join(', ')}` };
  let args: unknown = rawArgs;
  if (typeof rawArgs === 'string') {
    if (rawArgs.trim() === '') args = {};
    else {
      try {
        args = JSON.parse(rawArgs);
      } catch {
        return { ok: false, message: `${name}: arguments are not valid JSON; expected an object such as ${example(name)}` };
      }
    }
  }
  if (args === undefined || args === null) args = {};
  if (typeof args !== 'object' || Array.isArray(args)) return { ok: false, message: `${name}: arguments must be a JSON object such as ${example(name)}` };
  const record = args as Record<string, unknown>;
  const { properties, required } = TOOL_DEFINITIONS[name].function.parameters;
  for (const key of Object.keys(record)) {
    if (!(key in properties)) return { ok: false, message: `${name}: unknown argument "${key}"; known: ${Object.keys(properties).join(', ')}` };
  }
  for (const key of required) {
    if (record[key] === undefined || record[key] === null) return { ok: false, message: `${name}: missing required argument "${key}" (${properties[key]!.description})` };
  }
  for (const [key, schema] of Object.entries(properties)) {
    const v = record[key];
    if (v === undefined || v === null) continue;
    const problem = checkProp(v, schema);
    if (problem) return { ok: false, message: `${name}: argument "${key}" must be ${problem}` };
  }
  return { ok: true, name, args: record };
}

function checkProp(v: unknown, s: PropSchema): string | null {
  switch (s.type) {
    case 'string':
      if (typeof v !== 'string') return `a string; got ${typeName(v)}`;
      if (s.maxLength !== undefined && v.length > s.maxLength) return `at most ${s.maxLength} characters; got ${v.length}`;
      if (s.enum && !s.enum.includes(v)) return `one of ${s.enum.join(', ')}; got ${JSON.stringify(v)}`;
      return null;
    case 'integer':
      if (typeof v !== 'number' || !Number.isInteger(v)) return `an integer; got ${typeName(v)}`;
      if (s.minimum !== undefined && v < s.minimum) return `at least ${s.minimum}; got ${v}`;
      if (s.maximum !== undefined && v > s.maximum) return `at most ${s.maximum}; got ${v}`;
      return null;
    case 'boolean':
      return typeof v === 'boolean' ? null : `true or false; got ${typeName(v)}`;
    case 'object':
      if (typeof v !== 'object' || Array.isArray(v)) return `an object of string values; got ${typeName(v)}`;
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (typeof x !== 'string') return `an object of string values; "${k}" is ${typeName(x)}`;
      return null;
  }
}

function typeName(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)?.slice(0, 40)}`;
}

function example(name: ToolName): string {
  const ex: Record<ToolName, string> = {
    shell: '{"command":"ls -la"}',
    read_file: '{"path":"notes.txt"}',
    write_file: '{"path":"notes.txt","content":"hello"}',
    list_dir: '{"path":"/workspace"}',
    http_fetch: '{"url":"https://example.com/"}',
  };
  return ex[name];
}
