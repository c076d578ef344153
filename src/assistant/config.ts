import type { ConfigSection } from '../config/section.ts';
import type { ConfigCheck } from '../config/check.ts';
import { CAPABILITIES, isCapability, type Capability } from '../core/capabilities.ts';
import { AGENT_NAME } from '../supervisor/spawn-spec.ts';

export type TrustLevel = 'main' | 'member';

export interface ConversationRule {
  trust: TrustLevel;
  /** Answer only messages matching this (case-insensitive substring, or /regex/); null answers all. */
  trigger: string | null;
}

export interface BackupDestination {
  kind: 'git' | 'folder';
  /** git: remote URL or path of a bare repository; folder: a directory. */
  target: string;
  branch: string;
}

export interface AssistantConfig {
  enabled: boolean;
  /** The owner's conversation: the only one allowed privileged commands. */
  mainConversation: string;
  model: string | undefined;
  historyMessages: number;
  maxMessageBytes: number;
  soulMaxBytes: number;
  memoryMaxBytes: number;
  /** Trigger for group chats with no rule of their own (Telegram groups). */
  groupTrigger: string | null;
  conversations: Record<string, ConversationRule>;
  deliveryAttempts: number;
  /** Consecutive delivery failures after which a channel is reported down. */
  channelDownAfter: number;
  files: { enabled: boolean; dir: string | undefined };
  telegram: { enabled: boolean; apiBase: string; tokenEnv: string; pollTimeoutS: number; ownerChatId: string | undefined };
  webhooks: { url: string; events: string[] }[];
  survival: { retryBaseMs: number; retryMaxMs: number; minFreeBytes: number };
  backup: { destinations: BackupDestination[]; includeCheckpoint: boolean };
  /** The assistant acts as a supervisor agent of this name; its capabilities gate the tools offered to the model. */
  tools: { enabled: boolean; agent: string; capabilities: Capability[]; maxRounds: number };
}

/** Main conversations may touch files, the network and run commands; others get only what the trust gate allows. */
export const DEFAULT_ASSISTANT_CAPABILITIES: readonly Capability[] = ['ACCESS_FS', 'ACCESS_NET', 'ACCESS_IO'];

const KEYS = ['enabled', 'main_conversation', 'model', 'history_messages', 'max_message_bytes', 'soul_max_bytes', 'memory_max_bytes', 'group_trigger', 'conversations', 'delivery_attempts', 'channel_down_after', 'files', 'telegram', 'webhooks', 'survival', 'backup', 'tools'];

export const assistantSection: ConfigSection<AssistantConfig> = {
  keys: ['assistant'],
  parse: (root, check) => parseAssistant(root.assistant, check),
};

export function parseAssistant(value: unknown, check: ConfigCheck): AssistantConfig {
  const a = check.obj(value, 'assistant', KEYS);
  const files = check.obj(a.files, 'assistant.files', ['enabled', 'dir']);
  const tg = check.obj(a.telegram, 'assistant.telegram', ['enabled', 'api_base', 'token_env', 'poll_timeout_s', 'owner_chat_id']);
  const surv = check.obj(a.survival, 'assistant.survival', ['retry_base_ms', 'retry_max_ms', 'min_free_bytes']);
  const backup = check.obj(a.backup, 'assistant.backup', ['destinations', 'include_checkpoint']);
  const tools = check.obj(a.tools, 'assistant.tools', ['enabled', 'agent', 'capabilities', 'max_rounds']);
  const convs = check.obj(a.conversations, 'assistant.conversations');
  const conversations: Record<string, ConversationRule> = {};
  for (const [id, raw] of Object.entries(convs)) {
    const path = `assistant.conversations.${id}`;
    const c = check.obj(raw, path, ['trust', 'trigger']);
    conversations[id] = { trust: check.oneOf(c.trust, `${path}.trust`, ['main', 'member'] as const, 'member'), trigger: triggerOf(c.trigger, `${path}.trigger`, check) };
  }
  const mainConversation = check.str(a.main_conversation, 'assistant.main_conversation', 'main');
  const retryBaseMs = check.int(surv.retry_base_ms, 'assistant.survival.retry_base_ms', { min: 10, max: 300_000, def: 5_000 });
  const retryMaxMs = check.int(surv.retry_max_ms, 'assistant.survival.retry_max_ms', { min: retryBaseMs, max: 3_600_000, def: Math.max(300_000, retryBaseMs) });
  return {
    enabled: check.bool(a.enabled, 'assistant.enabled', true),
    mainConversation,
    model: check.optStr(a.model, 'assistant.model'),
    historyMessages: check.int(a.history_messages, 'assistant.history_messages', { min: 0, max: 500, def: 20 }),
    maxMessageBytes: check.int(a.max_message_bytes, 'assistant.max_message_bytes', { min: 64, max: 1_048_576, def: 16_384 }),
    soulMaxBytes: check.int(a.soul_max_bytes, 'assistant.soul_max_bytes', { min: 256, max: 1_048_576, def: 16_384 }),
    memoryMaxBytes: check.int(a.memory_max_bytes, 'assistant.memory_max_bytes', { min: 256, max: 1_048_576, def: 8_192 }),
    groupTrigger: a.group_trigger === undefined ? '@nxs' : triggerOf(a.group_trigger, 'assistant.group_trigger', check),
    conversations,
    deliveryAttempts: check.int(a.delivery_attempts, 'assistant.delivery_attempts', { min: 1, max: 1000, def: 20 }),
    channelDownAfter: check.int(a.channel_down_after, 'assistant.channel_down_after', { min: 1, max: 1000, def: 3 }),
    files: { enabled: check.bool(files.enabled, 'assistant.files.enabled', true), dir: check.optStr(files.dir, 'assistant.files.dir') },
    telegram: {
      enabled: check.bool(tg.enabled, 'assistant.telegram.enabled', false),
      apiBase: tg.api_base === undefined ? 'https://api.telegram.org' : check.url(tg.api_base, 'assistant.telegram.api_base').replace(/\/$/, ''),
      tokenEnv: check.str(tg.token_env, 'assistant.telegram.token_env', 'NXS_TELEGRAM_TOKEN'),
      pollTimeoutS: check.int(tg.poll_timeout_s, 'assistant.telegram.poll_timeout_s', { min: 0, max: 50, def: 30 }),
      ownerChatId: tg.owner_chat_id === undefined || tg.owner_chat_id === null ? undefined : String(check.int(tg.owner_chat_id, 'assistant.telegram.owner_chat_id')),
    },
    webhooks: check.arr(a.webhooks, 'assistant.webhooks').map((w, i) => {
      const o = check.obj(w, `assistant.webhooks.${i}`, ['url', 'events']);
      return { url: check.url(o.url, `assistant.webhooks.${i}.url`), events: check.arr(o.events, `assistant.webhooks.${i}.events`).map((e, j) => check.str(e, `assistant.webhooks.${i}.events.${j}`)) };
    }),
    survival: {
      retryBaseMs,
      retryMaxMs,
      minFreeBytes: check.int(surv.min_free_bytes, 'assistant.survival.min_free_bytes', { min: 0, def: 50 * 1024 * 1024 }),
    },
    backup: {
      destinations: check.arr(backup.destinations, 'assistant.backup.destinations').map((d, i) => {
        const path = `assistant.backup.destinations.${i}`;
        const o = check.obj(d, path, ['git', 'folder', 'branch']);
        if ((o.git === undefined) === (o.folder === undefined)) check.fail(path, 'a mapping with exactly one of git: <url> or folder: <path>', d);
        return o.git !== undefined
          ? { kind: 'git' as const, target: check.str(o.git, `${path}.git`), branch: check.str(o.branch, `${path}.branch`, 'main') }
          : { kind: 'folder' as const, target: check.str(o.folder, `${path}.folder`), branch: 'main' };
      }),
      includeCheckpoint: check.bool(backup.include_checkpoint, 'assistant.backup.include_checkpoint', false),
    },
    tools: {
      enabled: check.bool(tools.enabled, 'assistant.tools.enabled', true),
      agent: agentName(tools.agent, check),
      capabilities:
        tools.capabilities === undefined
          ? [...DEFAULT_ASSISTANT_CAPABILITIES]
          : check.arr(tools.capabilities, 'assistant.tools.capabilities').map((c, i) => {
              if (!isCapability(c)) check.fail(`assistant.tools.capabilities.${i}`, `one of ${CAPABILITIES.join(', ')}`, c);
              return c;
            }),
      maxRounds: check.int(tools.max_rounds, 'assistant.tools.max_rounds', { min: 1, max: 20, def: 4 }),
    },
  };
}

function triggerOf(value: unknown, path: string, check: ConfigCheck): string | null {
  if (value === null || value === undefined || value === '') return null;
  const s = check.str(value, path);
  if (s.startsWith('/') && s.lastIndexOf('/') > 0) {
    try {
      new RegExp(s.slice(1, s.lastIndexOf('/')), s.slice(s.lastIndexOf('/') + 1));
    } catch {
      check.fail(path, 'a plain word such as @nxs or a valid /regex/flags', value);
    }
  }
  return s;
}

function agentName(value: unknown, check: ConfigCheck): string {
  const name = check.str(value, 'assistant.tools.agent', 'assistant');
  if (!AGENT_NAME.test(name)) check.fail('assistant.tools.agent', 'an agent name of letters, digits, ".", "_" or "-" (at most 64)', name);
  return name;
}
