import type { Context } from '../core/context.ts';
import type { JobQueue } from '../queue/types.ts';
import type { Assistant } from './assistant.ts';
import type { AssistantConfig } from './config.ts';

export const PROMPT_QUEUE = 'assistant.prompt';

/** The payload the scheduler's task puts on `assistant.prompt` (see docs/assistant.md). */
export interface ScheduledPrompt {
  /** The task's name: the conversation is `schedule:<name>`. */
  name: string;
  prompt: string;
  /** Where the answer goes: telegram (owner chat), webhook, files (outbox/), http (stored only). */
  channel: 'telegram' | 'webhook' | 'files' | 'http';
  /** When the run was due, epoch ms (the scheduler's slot). */
  scheduled_for: number;
  /** A late run (host was down): `skip` drops runs later than max_lateness_ms; `run-once` runs it. */
  missed?: 'skip' | 'run-once';
  max_lateness_ms?: number;
  /** Heartbeats are essential; a daily summary is not, and is skipped in survival mode. */
  essential?: boolean;
}

export type PromptDecision = { run: true } | { run: false; reason: string };

/** Pure: should this scheduled prompt run now? */
export function decidePrompt(p: ScheduledPrompt, now: number, survivalActive: boolean): PromptDecision {
  const late = now - p.scheduled_for;
  const maxLate = p.max_lateness_ms ?? 3_600_000;
  if ((p.missed ?? 'run-once') === 'skip' && late > maxLate) return { run: false, reason: `missed by ${Math.round(late / 1000)} s (policy skip, max lateness ${Math.round(maxLate / 1000)} s)` };
  if (survivalActive && !p.essential) return { run: false, reason: 'survival mode: non-essential prompts are off' };
  return { run: true };
}

/** The handler side of scheduled prompts: the scheduler enqueues, this turns the job into a message. */
export function startPromptQueue(ctx: Context, queue: JobQueue, assistant: Assistant, cfg: AssistantConfig): () => void {
  queue.declare({ name: PROMPT_QUEUE, maxAttempts: 3 });
  return queue.process<ScheduledPrompt>(PROMPT_QUEUE, async (p) => {
    if (!p || typeof p.name !== 'string' || typeof p.prompt !== 'string' || typeof p.scheduled_for !== 'number') {
      ctx.log.warn({ payload: typeof p }, 'assistant.prompt job without {name, prompt, channel, scheduled_for}; dropped');
      return;
    }
    const d = decidePrompt(p, ctx.clock.now(), assistant.survival.isActive);
    if (!d.run) {
      ctx.log.info({ task: p.name, reason: d.reason }, 'scheduled prompt skipped');
      return;
    }
    const channel = assistant.channel(p.channel) ? p.channel : 'http';
    const address = channel === 'telegram' ? { chatId: Number(cfg.telegram.ownerChatId) } : channel === 'files' ? { file: `${p.name}-${new Date(p.scheduled_for).toISOString().slice(0, 10)}.txt` } : {};
    assistant.receive({ conversationId: `schedule:${p.name}`, channel, text: p.prompt, address, externalId: `${p.name}:${p.scheduled_for}`, sender: 'scheduler' });
  });
}
