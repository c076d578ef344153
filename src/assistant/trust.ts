import type { AssistantConfig, ConversationRule } from './config.ts';

// Seed 003's main / non-main model: the owner's main conversation may run
// privileged commands; every other conversation may only talk. Triggers are
// kept per conversation (a group answers only when addressed), never global.

/** The rule for a conversation: its own, else main for the main conversation, else member (groups get the group trigger). */
export function ruleFor(cfg: Pick<AssistantConfig, 'conversations' | 'mainConversation' | 'groupTrigger'>, conversationId: string, isGroup: boolean): ConversationRule {
  const own = cfg.conversations[conversationId];
  if (own) return conversationId === cfg.mainConversation ? { ...own, trust: 'main' } : own;
  if (conversationId === cfg.mainConversation) return { trust: 'main', trigger: null };
  return { trust: 'member', trigger: isGroup ? cfg.groupTrigger : null };
}

/** Whether a message addresses the assistant under `trigger` (null: every message does). */
export function matchesTrigger(trigger: string | null, text: string): boolean {
  if (trigger === null) return true;
  const slash = trigger.lastIndexOf('/');
  if (trigger.startsWith('/') && slash > 0) return new RegExp(trigger.slice(1, slash), trigger.slice(slash + 1)).test(text);
  return text.toLowerCase().includes(trigger.toLowerCase());
}

export interface SlashCommand {
  name: string;
  args: string;
}

/** `/remember the cat is Tom` -> {name: 'remember', args: 'the cat is Tom'}; plain text -> null. */
export function parseCommand(text: string): SlashCommand | null {
  const m = /^\/([a-z][a-z0-9_-]*)(?:@\S+)?(?:\s+([\s\S]*))?$/i.exec(text.trim());
  return m ? { name: m[1]!.toLowerCase(), args: (m[2] ?? '').trim() } : null;
}

/** Commands that change the host or its memory: main conversation only. */
export const PRIVILEGED_COMMANDS: ReadonlySet<string> = new Set(['remember', 'forget', 'tier', 'approve', 'deny']);
/** Commands anyone may run. */
export const OPEN_COMMANDS: ReadonlySet<string> = new Set(['help', 'status']);

export type CommandDecision = { kind: 'not-a-command' } | { kind: 'allowed'; command: SlashCommand } | { kind: 'denied'; command: SlashCommand } | { kind: 'unknown'; command: SlashCommand };

export function decideCommand(text: string, trust: ConversationRule['trust']): CommandDecision {
  const command = parseCommand(text);
  if (!command) return { kind: 'not-a-command' };
  if (OPEN_COMMANDS.has(command.name)) return { kind: 'allowed', command };
  if (!PRIVILEGED_COMMANDS.has(command.name)) return { kind: 'unknown', command };
  return trust === 'main' ? { kind: 'allowed', command } : { kind: 'denied', command };
}
