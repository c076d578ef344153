import path from 'node:path';
import type { BootStep } from '../boot/boot-step.ts';
import type { Context } from '../core/context.ts';
import { NxsError, errorMessage } from '../core/errors.ts';
import type { SqliteQueue } from '../queue/sqlite-queue.ts';
import type { LlmClient } from '../providers/types.ts';
import type { Doctor } from '../doctor/doctor.ts';
import type { CheckpointManager } from '../checkpoints/manager.ts';
import type { ClaimScheduledQueues } from '../checkpoints/step.ts';
import type { DetectHandle } from '../detect/handle.ts';
import { assistantCollector } from '../metrics/collectors/assistant.ts';
import { ownerScoped, type Route } from '../http/route.ts';
import { Assistant } from './assistant.ts';
import { httpChannel, messageRoutes } from './channels/http-channel.ts';
import { FileChannel } from './channels/file-channel.ts';
import { TelegramChannel } from './channels/telegram-channel.ts';
import { WebhookChannel } from './channels/webhook-channel.ts';
import { sendDistress } from './survival/distress.ts';
import { PROMPT_QUEUE, startPromptQueue } from './scheduled-prompts.ts';
import { startNotifications } from './notifications.ts';
import { identityDirOf, missingIdentityFiles, seedIdentity } from './identity/identity-files.ts';
import { restoreIdentity } from './backup/identity-backup.ts';
import { urlSecret } from './backup/git.ts';
import { assistantStateProvider } from './checkpoint-state.ts';

// Restoring from a remote must not hold the boot for long: past this, the shipped default is used.
const RESTORE_BUDGET_MS = 20_000;

/** What the assistant uses of the parts started before it; without the queue or an LLM client it answers "unavailable". */
export interface AssistantNeeds {
  queue?: SqliteQueue;
  llm?: LlmClient;
  doctor?: Doctor;
  checkpoints?: CheckpointManager;
  claimScheduledQueues?: ClaimScheduledQueues;
  detect?: DetectHandle;
}

/**
 * Boot step `assistant`: identity, then the conversation engine on the queue and the fallback
 * client, then channels. Gives `assistant` when it runs (not when disabled or unavailable).
 */
export const assistantStep: BootStep<AssistantNeeds, { assistant?: Assistant }> = {
  name: 'assistant',
  async start(ctx, parts) {
    const cfg = ctx.config.assistant;
    if (!cfg.enabled) {
      parts.status.set('assistant', () => ({ state: 'disabled' }));
      return {};
    }
    for (const d of cfg.backup.destinations) if (d.kind === 'git') ctx.redactor.add(urlSecret(d.target));
    const identityDir = identityDirOf(ctx.config.dataDir);
    await prepareIdentity(ctx, identityDir);

    const { queue, llm } = parts;
    if (!queue || !llm) {
      const missing = [!queue && 'queue', !llm && 'LLM client'].filter(Boolean).join(' and ');
      ctx.log.warn({ missing }, 'assistant not started: no ' + missing + ' on this host');
      ctx.bootLog.add(`assistant not started: no ${missing}`);
      parts.status.set('assistant', () => ({ state: 'unavailable', missing }));
      parts.routes.push(...unavailableRoutes(missing));
      return {};
    }

    const webhook = new WebhookChannel(cfg.webhooks);
    // Free disk from the monitor's last look (its interval), not a statfs per message.
    const assistant = new Assistant({ ctx, cfg, queue, llm, identityDir, freeDiskBytes: () => parts.detect?.monitor.diskFreeBytes() ?? null });
    assistant.addChannel(httpChannel);
    assistant.addChannel(webhook);
    const receive = assistant.receive.bind(assistant);
    if (cfg.files.enabled) assistant.addChannel(new FileChannel({ dir: cfg.files.dir ?? ctx.config.dataDir, clock: ctx.clock, log: ctx.log, receive, maxBytes: cfg.maxMessageBytes }));
    if (cfg.telegram.enabled) {
      const token = ctx.env[cfg.telegram.tokenEnv];
      if (!token) throw new NxsError('NXS_ERR_CONFIG_INVALID', `assistant.telegram.enabled is true but the environment variable ${cfg.telegram.tokenEnv} (assistant.telegram.token_env) holding the bot token is not set`);
      ctx.redactor.add(token);
      assistant.addChannel(
        new TelegramChannel({
          apiBase: cfg.telegram.apiBase,
          token,
          pollTimeoutS: cfg.telegram.pollTimeoutS,
          ownerChatId: cfg.telegram.ownerChatId,
          clock: ctx.clock,
          log: ctx.log,
          receive,
          loadOffset: () => Number(assistant.store.getState('telegram.offset') ?? 0),
          saveOffset: (o) => assistant.store.setState('telegram.offset', String(o)),
        }),
      );
    }
    // Webhook, then Telegram, then a file, then the log.
    assistant.setDistress((text) => sendDistress(text, [webhook.configured ? webhook : undefined, assistant.channel('telegram'), assistant.channel('files')], ctx.log));

    const stopQueues = assistant.start();
    const stopPrompts = startPromptQueue(ctx, queue, assistant, cfg);
    const stopNotify = startNotifications(ctx, queue, cfg.webhooks);
    ctx.lifecycle.onStop('assistant', async () => {
      stopNotify();
      stopPrompts();
      stopQueues();
      for (const name of ['telegram', 'files']) await assistant.channel(name)?.stop?.();
    });
    for (const name of ['files', 'telegram']) {
      try {
        await assistant.channel(name)?.start?.();
      } catch (err) {
        ctx.log.warn({ channel: name, err: errorMessage(err) }, 'channel could not start; the others run');
      }
    }
    if (parts.doctor) assistant.useDoctor(parts.doctor);
    parts.checkpoints?.registerStateProvider('assistant', assistantStateProvider(ctx, assistant, () => queue.resyncCounts()));
    // The assistant owns the scheduled prompts: a checkpoint of its agent carries those schedules.
    parts.claimScheduledQueues?.((agentId) => assistant.agentIdentity?.isAssistant(agentId) ?? false, [PROMPT_QUEUE]);
    parts.metrics.registry.onCollect(assistantCollector(parts.metrics, ctx.db, () => assistant));
    parts.routes.push(...messageRoutes(assistant));
    parts.status.set('assistant', () => ({ state: assistant.survival.isActive ? 'survival' : 'running', ...assistant.status() }));
    parts.readiness.set('assistant', () => ({ survival: assistant.survival.isActive }));
    return { assistant };
  },
};

async function prepareIdentity(ctx: Context, identityDir: string): Promise<void> {
  const cfg = ctx.config.assistant;
  const missing = missingIdentityFiles(identityDir);
  if (missing.length && cfg.backup.destinations.length) {
    try {
      const r = await Promise.race([
        restoreIdentity({ identityDir, destinations: cfg.backup.destinations, overwrite: false }),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${RESTORE_BUDGET_MS} ms`)), RESTORE_BUDGET_MS).unref()),
      ]);
      ctx.bootLog.add(`identity restored from ${ctx.redactor.scrub(r.from)}: ${r.files.join(', ')}`);
    } catch (err) {
      ctx.log.warn({ err: ctx.redactor.scrub(errorMessage(err)) }, 'identity missing and no backup answered; using the shipped default');
    }
  }
  const copied = seedIdentity(identityDir, ctx.paths.identityDir, ctx.log);
  if (copied.length) ctx.bootLog.add(`identity: shipped ${copied.join(', ')} copied into ${path.relative(ctx.config.dataDir, identityDir) || identityDir}`);
}

function unavailableRoutes(missing: string): Route[] {
  const fail = (): never => {
    throw new NxsError('NXS_ERR_ASSISTANT_UNAVAILABLE', `the assistant is not running on this host (no ${missing})`);
  };
  return [
    { method: 'POST', path: '/api/messages', access: ownerScoped('posts only into conversations the token started (the main conversation needs ADMIN)'), handler: fail },
    { method: 'GET', path: '/api/messages/:id', access: ownerScoped('messages the token sent, with their replies; ADMIN every message'), handler: fail },
    { method: 'GET', path: '/api/messages/:id/stream', access: ownerScoped('messages the token sent, with their replies; ADMIN every message'), handler: fail },
  ];
}
