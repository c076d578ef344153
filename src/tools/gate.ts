import { hasCapability, type Capability } from '../core/capabilities.ts';
import type { Trust } from '../sandbox/mount-table.ts';
import type { ToolName } from './definitions.ts';

export type GateDecision = { allowed: true } | { allowed: false; reason: string; needs?: Capability };

/** Which capability each tool needs. ADMIN implies all of them. */
export const TOOL_CAPABILITY: Readonly<Record<ToolName, Capability>> = {
  read_file: 'ACCESS_FS',
  list_dir: 'ACCESS_FS',
  write_file: 'ACCESS_FS',
  http_fetch: 'ACCESS_NET',
  // A shell can do anything the sandbox lets it: the capability for arbitrary I/O.
  shell: 'ACCESS_IO',
};

export interface GatePolicy {
  /** sandbox.shell_for_other */
  shellForOther: boolean;
}

/**
 * May this agent, in a conversation of this trust level, use this tool with
 * these arguments? Pure. Non-main conversations are read-only: no writes, no
 * shell unless configured, and http_fetch only with GET or HEAD (a request body
 * is a way to send data out).
 */
export function decideTool(tool: ToolName, held: ReadonlySet<Capability>, trust: 'main' | 'other' | Trust, args: Record<string, unknown>, policy: GatePolicy): GateDecision {
  const needs = TOOL_CAPABILITY[tool];
  if (!hasCapability(held, needs)) return { allowed: false, needs, reason: `${tool} needs the ${needs} capability, which this agent does not hold` };
  if (trust === 'main') return { allowed: true };
  if (tool === 'write_file') return { allowed: false, reason: 'write_file is not available in this conversation: only the main conversation may write' };
  if (tool === 'shell' && !policy.shellForOther) return { allowed: false, reason: 'shell is not available in this conversation: only the main conversation may run commands (sandbox.shell_for_other is false)' };
  if (tool === 'http_fetch') {
    const method = typeof args.method === 'string' ? args.method : 'GET';
    if (method !== 'GET' && method !== 'HEAD') return { allowed: false, reason: `http_fetch with ${method} is not available in this conversation: only GET and HEAD` };
  }
  return { allowed: true };
}
