import type { Context } from '../core/context.ts';
import { hasCapability, type Capability } from '../core/capabilities.ts';
import { isNxsError, errorMessage } from '../core/errors.ts';
import type { AuditTrail, Supervisor } from '../supervisor/types.ts';
import type { ToolCall, ChatMessage } from '../providers/types.ts';
import { Sandbox } from '../sandbox/sandbox.ts';
import type { Trust } from '../sandbox/mount-table.ts';
import { TOOL_DEFINITIONS, TOOL_NAMES, type ToolDefinition, type ToolName } from './definitions.ts';
import { validateToolCall } from './validate-args.ts';
import { decideTool } from './gate.ts';
import { readFileTool, writeFileTool, listDirTool } from './file-ops.ts';
import { httpFetchTool } from './http-fetch.ts';
import { redactArgs } from './redact-args.ts';

export interface ToolboxDeps {
  supervisor: Pick<Supervisor, 'capabilitiesOf'> & { audit: AuditTrail };
  /** A sandbox built elsewhere (tests); by default one is created from ctx. */
  sandbox?: Sandbox;
  /** When the sandbox's backend probe may start (see SandboxDeps.probeAfter). */
  probeAfter?: Promise<unknown>;
}

export interface ExecuteOptions {
  agentId: string;
  trust: Trust;
  /** Who started this, for the audit trail (default `agent:<id>`). */
  principal?: string;
  onOutput?: (chunk: Buffer, stream: 'stdout' | 'stderr') => void;
  signal?: AbortSignal;
}

/** A tool call as the model sent it (OpenAI shape), or flattened. */
export type ToolCallInput = ToolCall | { id?: string; function: { name: string; arguments: unknown } } | { id?: string; name: string; arguments: unknown };

export interface ToolResult {
  tool_call_id: string;
  name: string;
  ok: boolean;
  /** JSON text for the model: the result, or `{"error":{code,message}}`. */
  content: string;
  error?: { code: string; message: string };
  /** The audit entry that recorded this call or denial. */
  operation_id?: string;
}

export interface Toolbox {
  sandbox: Sandbox;
  /** Every definition, for the model's `tools` field. */
  definitions: readonly ToolDefinition[];
  /** Only the tools this agent may use in this conversation (offer these to keep the model from trying the rest). */
  definitionsFor(agentId: string, trust: Trust): ToolDefinition[];
  /** Never throws: a malformed call or a denial is an error result the model can read. */
  execute(call: ToolCallInput, opts: ExecuteOptions): Promise<ToolResult>;
  toMessage(result: ToolResult): ChatMessage;
}

export async function createToolbox(ctx: Context, deps: ToolboxDeps): Promise<Toolbox> {
  const sandbox = deps.sandbox ?? (await Sandbox.create(ctx, { audit: deps.supervisor.audit, ...(deps.probeAfter ? { probeAfter: deps.probeAfter } : {}) }));
  const audit = deps.supervisor.audit;
  const policy = { shellForOther: ctx.config.sandbox.shellForOther };

  const run = async (name: ToolName, args: Record<string, unknown>, opts: ExecuteOptions, principal: string): Promise<Record<string, unknown>> => {
    const limits = ctx.profile.current.sandbox;
    const table = sandbox.table(opts.trust);
    switch (name) {
      case 'read_file':
        return readFileTool(table, args.path as string, { offset: (args.offset as number | undefined) ?? 0, maxBytes: Math.min((args.max_bytes as number | undefined) ?? limits.outputBytes, limits.outputBytes) });
      case 'write_file': {
        // Measured first (asynchronously): the write itself is synchronous, and checks the growth against this room.
        const room = await sandbox.quota.room();
        return writeFileTool(table, args.path as string, args.content as string, args.append === true, sandbox.owner, (growth, inside) => sandbox.quota.check(room, growth, inside));
      }
      case 'list_dir':
        return listDirTool(table, (args.path as string | undefined) ?? '/workspace');
      case 'http_fetch':
        return httpFetchTool(sandbox.proxy, { agentId: opts.agentId, principal }, {
          url: args.url as string,
          method: (args.method as string | undefined) ?? 'GET',
          headers: (args.headers as Record<string, string> | undefined) ?? {},
          body: args.body as string | undefined,
        }, { clock: ctx.clock, timeoutMs: limits.wallSeconds * 1000, maxBytes: limits.outputBytes, ...(opts.signal ? { signal: opts.signal } : {}) });
      case 'shell': {
        const held = deps.supervisor.capabilitiesOf(opts.agentId);
        const r = await sandbox.runShell({
          command: args.command as string,
          trust: opts.trust,
          agentId: opts.agentId,
          principal,
          // Egress from a shell is a way to send data out: main conversations only.
          network: opts.trust === 'main' && hasCapability(held, 'ACCESS_NET'),
          // Streamed chunks are scrubbed too (best effort: a secret split across two chunks is caught only in the final result).
          ...(opts.onOutput ? { onOutput: (chunk: Buffer, stream: 'stdout' | 'stderr') => opts.onOutput!(Buffer.from(ctx.redactor.scrub(chunk.toString('utf8'))), stream) } : {}),
          ...(opts.signal ? { signal: opts.signal } : {}),
        });
        return {
          exit_code: r.exitCode,
          signal: r.signal,
          killed: r.killed,
          stdout: ctx.redactor.scrub(r.stdout),
          stderr: ctx.redactor.scrub(r.stderr),
          truncated: r.truncated,
          duration_ms: r.durationMs,
          backend: r.backend,
          ...(r.unsandboxed ? { unsandboxed: true } : {}),
        };
      }
    }
  };

  const execute = async (call: ToolCallInput, given: ExecuteOptions): Promise<ToolResult> => {
    // Anything but an explicit 'main' is treated as the less trusted level.
    const opts: ExecuteOptions = { ...given, trust: given.trust === 'main' ? 'main' : 'other' };
    const { id, rawName, rawArgs } = readCall(call);
    const principal = opts.principal ?? `agent:${opts.agentId}`;
    const name = typeof rawName === 'string' ? rawName : String(rawName);
    const fail = (code: `NXS_ERR_${string}`, message: string, operationId?: string): ToolResult => {
      const clean = ctx.redactor.scrub(message);
      return { tool_call_id: id, name, ok: false, content: JSON.stringify({ error: { code, message: clean } }), error: { code, message: clean }, ...(operationId ? { operation_id: operationId } : {}) };
    };
    const record = (allowed: boolean, details: Record<string, unknown>): string =>
      audit.record({ agent_id: opts.agentId, operation_type: `tool.${name}`, allowed, principal, details: { trust: opts.trust, ...details } }).operation_id;

    const checked = validateToolCall(rawName, rawArgs);
    if (!checked.ok) {
      const opId = record(false, { reason: checked.message, arguments: redactArgs(ctx.redactor, rawArgs) });
      return fail('NXS_ERR_TOOL_ARGS', checked.message, opId);
    }
    const args = redactArgs(ctx.redactor, checked.args) as Record<string, unknown>;
    let held: ReadonlySet<Capability>;
    try {
      held = deps.supervisor.capabilitiesOf(opts.agentId);
    } catch (err) {
      held = new Set();
      ctx.log.warn({ agent_id: opts.agentId, err: errorMessage(err) }, 'tools: cannot read the agent capabilities; denying');
    }
    const gate = decideTool(checked.name, held, opts.trust, checked.args, policy);
    if (!gate.allowed) {
      const opId = record(false, { reason: gate.reason, arguments: args });
      return fail('NXS_ERR_TOOL_DENIED', gate.reason, opId);
    }
    try {
      const result = await run(checked.name, checked.args, opts, principal);
      const opId = record(true, { arguments: args, outcome: summarize(checked.name, result) });
      return { tool_call_id: id, name, ok: true, content: ctx.redactor.scrub(JSON.stringify(result)), operation_id: opId };
    } catch (err) {
      if (isNxsError(err)) {
        const denial = err.code === 'NXS_ERR_PATH_DENIED' || err.code === 'NXS_ERR_EGRESS_DENIED' || err.code === 'NXS_ERR_SANDBOX_UNAVAILABLE';
        const opId = record(!denial, { arguments: args, ...(denial ? { reason: ctx.redactor.scrub(err.message) } : { error: err.code }) });
        return fail(err.code, err.message, opId);
      }
      ctx.log.error({ tool: name, agent_id: opts.agentId, err: errorMessage(err) }, 'tool failed unexpectedly');
      const opId = record(true, { arguments: args, error: 'NXS_ERR_INTERNAL' });
      return fail('NXS_ERR_INTERNAL', `${name} failed inside nxs; the log has the details`, opId);
    }
  };

  return {
    sandbox,
    definitions: TOOL_NAMES.map((n) => TOOL_DEFINITIONS[n]),
    definitionsFor(agentId, trust) {
      const held = deps.supervisor.capabilitiesOf(agentId);
      return TOOL_NAMES.filter((n) => decideTool(n, held, trust, {}, policy).allowed).map((n) => TOOL_DEFINITIONS[n]);
    },
    execute,
    toMessage: (r) => ({ role: 'tool', tool_call_id: r.tool_call_id, content: r.content }),
  };
}

/** Whatever the caller passed, read without throwing (a broken call becomes an unknown tool). */
function readCall(call: unknown): { id: string; rawName: unknown; rawArgs: unknown } {
  const c = typeof call === 'object' && call !== null ? (call as Record<string, unknown>) : {};
  const fn = typeof c.function === 'object' && c.function !== null ? (c.function as Record<string, unknown>) : c;
  return { id: typeof c.id === 'string' ? c.id : '', rawName: fn.name, rawArgs: fn.arguments };
}

function summarize(name: ToolName, r: Record<string, unknown>): Record<string, unknown> {
  switch (name) {
    case 'shell':
      return { exit_code: r.exit_code, killed: r.killed, truncated: r.truncated, duration_ms: r.duration_ms, backend: r.backend, ...(r.unsandboxed ? { unsandboxed: true } : {}) };
    case 'read_file':
      return { path: r.path, bytes: r.bytes };
    case 'write_file':
      return { path: r.path, bytes: r.bytes };
    case 'list_dir':
      return { path: r.path, total: r.total };
    case 'http_fetch':
      return { url: r.url, status: r.status, bytes: r.bytes };
  }
}

