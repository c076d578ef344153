// The tools as OpenAI function-calling definitions. The validator
// (validate-args.ts) reads these same schemas, so what the model is told and
// what is enforced cannot drift apart.

export const TOOL_NAMES = ['shell', 'read_file', 'write_file', 'list_dir', 'http_fetch'] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

export type PropSchema =
  | { type: 'string'; description: string; maxLength?: number; enum?: readonly string[] }
  | { type: 'integer'; description: string; minimum?: number; maximum?: number }
  | { type: 'boolean'; description: string }
  | { type: 'object'; description: string; additionalProperties: { type: 'string' } };

export interface ToolDefinition {
  type: 'function';
  function: {
    name: ToolName;
    description: string;
    parameters: { type: 'object'; properties: Record<string, PropSchema>; required: string[]; additionalProperties: false };
  };
}

export const MAX_WRITE_BYTES = 4 * 1024 * 1024;
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

function def(name: ToolName, description: string, properties: Record<string, PropSchema>, required: string[]): ToolDefinition {
  return { type: 'function', function: { name, description, parameters: { type: 'object', properties, required, additionalProperties: false } } };
}

export const TOOL_DEFINITIONS: Readonly<Record<ToolName, ToolDefinition>> = {
  shell: def(
    'shell',
    'Run a command with /bin/sh in a sandbox: /workspace is the working folder, there is no network unless allowed, and CPU, memory, time, process count and output are limited. Returns exit code, stdout and stderr.',
    { command: { type: 'string', description: 'The shell command line.', maxLength: 16_384 } },
    ['command'],
  ),
  read_file: def(
    'read_file',
    'Read a file inside the sandbox (/workspace or another allowed folder). Relative paths are under /workspace.',
    {
      path: { type: 'string', description: 'The file, e.g. /workspace/notes.txt or notes.txt.', maxLength: 4096 },
      offset: { type: 'integer', description: 'Byte offset to start at (default 0).', minimum: 0 },
      max_bytes: { type: 'integer', description: 'At most this many bytes (default and cap: the output limit).', minimum: 1 },
    },
    ['path'],
  ),
  write_file: def(
    'write_file',
    'Write a text file in a writable folder of the sandbox (/workspace). Creates missing folders. Replaces the file unless append is true.',
    {
      path: { type: 'string', description: 'The file, e.g. /workspace/out.txt or out.txt.', maxLength: 4096 },
      content: { type: 'string', description: 'The text to write.', maxLength: MAX_WRITE_BYTES },
      append: { type: 'boolean', description: 'Append instead of replacing (default false).' },
    },
    ['path', 'content'],
  ),
  list_dir: def(
    'list_dir',
    'List a folder inside the sandbox: names, types and sizes.',
    { path: { type: 'string', description: 'The folder (default /workspace).', maxLength: 4096 } },
    [],
  ),
  http_fetch: def(
    'http_fetch',
    'Fetch an http(s) URL through the egress proxy; only allowlisted hosts and ports are reachable. Returns status, headers and the body (text, bounded).',
    {
      url: { type: 'string', description: 'An http:// or https:// URL.', maxLength: 8192 },
      method: { type: 'string', description: 'HTTP method (default GET).', enum: HTTP_METHODS },
      headers: { type: 'object', description: 'Request headers.', additionalProperties: { type: 'string' } },
      body: { type: 'string', description: 'Request body (for POST, PUT, PATCH).', maxLength: 1024 * 1024 },
    },
    ['url'],
  ),
};

export function isToolName(v: unknown): v is ToolName {
  return typeof v === 'string' && (TOOL_NAMES as readonly string[]).includes(v);
}
