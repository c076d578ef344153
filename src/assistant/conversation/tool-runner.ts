import { errorMessage } from '../../core/errors.ts';
import type { ToolCall } from '../../providers/types.ts';
import type { Toolbox } from '../../tools/toolbox.ts';
import type { MemoryFile } from '../identity/memory-file.ts';
import { REMEMBER_TOOL } from './generate-reply.ts';

export interface ConversationTools {
  /** Definitions for the model's `tools` field (empty: send none). */
  definitions: unknown[];
  run(call: ToolCall, signal?: AbortSignal): Promise<string>;
}

export interface ToolRunnerDeps {
  memory: MemoryFile;
  now: () => Date;
  /** The agent toolbox, when the tools step set one up. */
  toolbox?: Toolbox | undefined;
  /** The assistant's agent id, or null when it has none (tools are then not offered). */
  agentId: string | null;
}

/**
 * The tools one conversation may use: `remember` in the main conversation,
 * plus the toolbox's tools this agent may use at this trust level. A call to
 * anything else goes through the toolbox too, which denies it readably and
 * audits the attempt (a model asking for `shell` where it was not offered).
 */
export function toolsFor(trust: 'main' | 'other', conversationId: string, deps: ToolRunnerDeps): ConversationTools {
  const { toolbox, agentId } = deps;
  const definitions: unknown[] = trust === 'main' ? [REMEMBER_TOOL] : [];
  if (toolbox && agentId) definitions.push(...toolbox.definitionsFor(agentId, trust));
  return {
    definitions,
    async run(call, signal) {
      if (call.function.name === 'remember') {
        if (trust !== 'main') return JSON.stringify({ error: { code: 'NXS_ERR_TOOL_DENIED', message: 'remember is only available in the main conversation' } });
        return remember(deps, call);
      }
      if (!toolbox || !agentId) return JSON.stringify({ error: { code: 'NXS_ERR_TOOL_DENIED', message: `${call.function.name} is not available: agent tools are off on this host` } });
      const r = await toolbox.execute(call, { agentId, trust, principal: `assistant:${conversationId}`, ...(signal ? { signal } : {}) });
      return r.content;
    },
  };
}

function remember(deps: ToolRunnerDeps, call: ToolCall): string {
  try {
    const args = JSON.parse(call.function.arguments || '{}') as { fact?: unknown };
    if (typeof args.fact !== 'string') return 'error: arguments must be {"fact": "<text>"}';
    const r = deps.memory.add(args.fact, deps.now());
    return r.added ? `remembered: ${r.text}` : `already known: ${r.text}`;
  } catch (err) {
    return `error: ${errorMessage(err)}`;
  }
}
