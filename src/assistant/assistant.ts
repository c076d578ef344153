import type { Context } from '../core/context.ts';
import { NxsError, errorMessage, isNxsError } from '../core/errors.ts';
import type { JobContext, JobQueue } from '../queue/types.ts';
import type { ChatMessage, LlmClient } from '../providers/types.ts';
import type { Toolbox } from '../tools/toolbox.ts';
import type { AssistantConfig } from './config.ts';
import type { Channel, IncomingMessage } from './channels/channel.ts';
import { MessageStore, type MessageRow } from './conversation/message-store.ts';
import { ReplyHub } from './conversation/reply-hub.ts';
import { generateReply } from './conversation/generate-reply.ts';
import { runCommand, type DoctorPort } from './conversation/commands.ts';
import { toolsFor } from './conversation/tool-runner.ts';
import type { AssistantAgent } from './assistant-agent.ts';
import { deliverReply } from './conversation/deliver-reply.ts';
import { IdentityReader } from './identity/identity-files.ts';
import { MemoryFile } from './identity/memory-file.ts';
import { buildSystemPrompt } from './identity/system-prompt.ts';
import { SurvivalMode } from './survival/survival-mode.ts';
import { admitsWork } from './survival/backoff.ts';
import { decideCommand, matchesTrigger, ruleFor } from './trust.ts';

export const ANSWER_QUEUE = 'assistant.answer';
export const DELIVER_QUEUE = 'assistant.deliver';

export interface AssistantDeps {
  ctx: Context;
  cfg: AssistantConfig;
  queue: JobQueue;
  llm: LlmClient;
  identityDir: string;
  /** Free bytes under the data folder as last measured (the resource monitor's reading); null: unknown, admit. */
  freeDiskBytes: () => number | null;
  /** Sends a distress notice on the first channel that works; set by the boot step. */
  distress?: (text: string) => Promise<string>;
}

/**
 * The conversation engine: receive (store, enqueue in the conversation's
 * group), answer (history + identity through the fallback client, reply stored
 * before delivery), deliver (its own job, retried by the queue). Every state
 * lives in the store, so a restart resumes where the crash left off.
 */
export class Assistant {
  readonly store: MessageStore;
  readonly hub = new ReplyHub();
  readonly survival: SurvivalMode;
  readonly memory: MemoryFile;
  private readonly identity: IdentityReader;
  private readonly channels = new Map<string, Channel>();
  private readonly failures = new Map<string, number>();
  private readonly deps: AssistantDeps;
  private toolbox: Toolbox | undefined;
  private agent: AssistantAgent | undefined;
  private doctor: DoctorPort | undefined;

  constructor(deps: AssistantDeps) {
    this.deps = deps;
    const { ctx, cfg } = deps;
    this.store = new MessageStore(ctx.db, ctx.redactor);
    this.identity = new IdentityReader(deps.identityDir, ctx.paths.identityDir, ctx.log, (file, reason) =>
      ctx.events.emit('alert', { source: 'assistant', code: 'NXS_ERR_IDENTITY_DAMAGED', message: `identity file ${file} is missing or unreadable (${reason}); the shipped default answers meanwhile`, severity: 'critical' }),
    );
    this.memory = new MemoryFile(deps.identityDir, { budgetBytes: cfg.memoryMaxBytes, shippedDefault: this.identity.read('MEMORY.md').text });
    this.survival = new SurvivalMode({
      clock: ctx.clock,
      log: ctx.log,
      events: ctx.events,
      bootLog: ctx.bootLog,
      baseMs: cfg.survival.retryBaseMs,
      maxMs: cfg.survival.retryMaxMs,
      probe: () => this.probe(),
      onEnter: (reason) => void this.deps.distress?.(`nxs survival mode: every LLM provider is down (${reason}). Messages are kept and will be answered when a provider returns.`),
      onLeave: () => this.requeueDeferred(),
    });
  }

  setDistress(send: (text: string) => Promise<string>): void {
    this.deps.distress = send;
  }

  /** Agent tools (boot step `tools`, after this one): offered to the model under the agent's capabilities. */
  useTools(toolbox: Toolbox, agent: AssistantAgent): void {
    this.toolbox = toolbox;
    this.agent = agent;
  }

  /** The doctor takes /tier, /approve and /deny from the main conversation. */
  useDoctor(doctor: DoctorPort): void {
    this.doctor = doctor;
  }

  /** The agent record the assistant's tools run as, if tools are on (checkpoints ask). */
  get agentIdentity(): AssistantAgent | undefined {
    return this.agent;
  }

  addChannel(channel: Channel): void {
    this.channels.set(channel.name, channel);
  }

  channel(name: string): Channel | undefined {
    return this.channels.get(name);
  }

  /** Declares the queues and starts working them; returns the stop. */
  start(): () => void {
    const { queue, cfg } = this.deps;
    const backoff = { baseMs: Math.min(2_000, cfg.survival.retryMaxMs), maxMs: cfg.survival.retryMaxMs };
    queue.declare({ name: ANSWER_QUEUE, maxAttempts: 5, backoff });
    queue.declare({ name: DELIVER_QUEUE, maxAttempts: cfg.deliveryAttempts, backoff });
    const stops = [queue.process<{ messageId: number }>(ANSWER_QUEUE, (p, job) => this.answer(p.messageId, job)), queue.process<{ messageId: number }>(DELIVER_QUEUE, (p, job) => deliverReply(p.messageId, job, { store: this.store, channels: this.channels, failures: this.failures, ctx: this.deps.ctx, cfg: this.deps.cfg }))];
    const offRecovered = this.deps.llm.onRecovered(() => this.survival.isActive && this.probe());
    this.recover();
    return () => {
      for (const s of stops) s();
      offRecovered();
      this.survival.stop();
    };
  }

  /** Stores an incoming message and enqueues its answer. Returns at once; the reply comes later. */
  receive(m: IncomingMessage): MessageRow {
    const { cfg, ctx } = this.deps;
    if (typeof m.conversationId !== 'string' || !/^[\w.:@+-]{1,128}$/.test(m.conversationId)) {
      throw new NxsError('NXS_ERR_MESSAGE_INVALID', 'conversation_id must be 1 to 128 letters, digits or . : @ + - _', { conversation_id: m.conversationId });
    }
    if (typeof m.text !== 'string' || m.text.trim() === '') throw new NxsError('NXS_ERR_MESSAGE_INVALID', 'text must be a non-empty string');
    const size = Buffer.byteLength(m.text);
    if (size > cfg.maxMessageBytes) throw new NxsError('NXS_ERR_MESSAGE_TOO_LARGE', `the message is ${size} bytes; at most ${cfg.maxMessageBytes} are accepted (assistant.max_message_bytes)`, { size, limit: cfg.maxMessageBytes });
    if (!admitsWork(this.deps.freeDiskBytes(), cfg.survival.minFreeBytes, size)) {
      throw new NxsError('NXS_ERR_DISK_FULL', `the disk under ${ctx.config.dataDir} is nearly full; only short messages are accepted until space is freed`);
    }
    const rule = ruleFor(cfg, m.conversationId, m.isGroup ?? false);
    if (rule.trust === 'main' && m.channel === 'http' && m.privilegedSender === false) {
      throw new NxsError('NXS_ERR_CONVERSATION_DENIED', `conversation ${m.conversationId} is the owner's main conversation; it needs the operator's token (ADMIN)`);
    }
    const addressed = matchesTrigger(rule.trigger, m.text);
    const { row, duplicate } = this.store.insert({ ...m, status: addressed ? 'queued' : 'ignored' }, ctx.clock.now());
    if (duplicate) return row;
    if (!addressed) {
      ctx.log.debug({ conversation: m.conversationId, message: row.id }, 'message not addressed to the assistant (trigger); kept as context only');
      return row;
    }
    this.enqueueAnswer(row);
    return row;
  }

  /** Picks up a message written by a checkpoint restore: unanswered ones are answered, stored replies delivered. */
  resume(row: MessageRow): void {
    if (row.status === 'queued') this.enqueueAnswer(row);
    else if (row.status === 'answered' && row.delivery === 'pending') this.enqueueDelivery(row);
  }

  get(id: number): MessageRow | null {
    return this.store.get(id);
  }

  status(): Record<string, unknown> {
    return { survival: this.survival.status(), messages: this.store.counts(), channels: [...this.channels.keys()], llm_mode: this.deps.llm.mode(), agent_id: this.agent?.current()?.agentId ?? null, tools: this.toolbox ? 'on' : 'off' };
  }

  private enqueueAnswer(row: MessageRow): void {
    const input = { queue: ANSWER_QUEUE, group: `conv:${row.conversationId}`, payload: { messageId: row.id }, idempotencyKey: `answer:${row.id}:${row.deferCount}` };
    const job = this.deps.queue.enqueue(input);
    // The key found a finished job (dead after a crash, say) while the message still waits: give it a new one.
    if (job.state === 'done' || job.state === 'dead') this.deps.queue.enqueue({ ...input, idempotencyKey: `${input.idempotencyKey}:after-${job.id}` });
  }

  private enqueueDelivery(row: MessageRow): void {
    this.deps.queue.enqueue({ queue: DELIVER_QUEUE, group: `deliver:${row.conversationId}`, payload: { messageId: row.id }, idempotencyKey: `deliver:${row.id}` });
  }

  /** After a restart: answers nobody finished are re-enqueued, stored replies not delivered are re-delivered. Keys make it idempotent. */
  private recover(): void {
    const open = this.store.unanswered(['queued', 'answering']);
    for (const row of open) {
      if (row.status === 'answering') this.store.setStatus(row.id, 'queued');
      this.enqueueAnswer(row);
    }
    for (const row of this.store.pendingDeliveries()) this.enqueueDelivery(row);
    const deferred = this.store.unanswered(['deferred']);
    if (deferred.length) this.survival.failed('messages were still deferred when the host stopped');
    if (open.length || deferred.length) this.deps.ctx.log.info({ open: open.length, deferred: deferred.length }, 'resuming unanswered messages');
  }

  private async answer(id: number, job: JobContext): Promise<void> {
    const row = this.store.get(id);
    if (!row || row.status === 'answered' || row.status === 'failed' || row.status === 'ignored') {
      if (row?.status === 'answered' && row.delivery === 'pending') this.enqueueDelivery(row);
      return;
    }
    // Order within a conversation: nothing overtakes a message still waiting.
    if (this.store.hasEarlierDeferred(row.conversationId, row.id)) {
      this.markDeferred(row, 'an earlier message of this conversation is still waiting');
      return;
    }
    const { cfg, ctx } = this.deps;
    const rule = ruleFor(cfg, row.conversationId, Boolean(row.address.isGroup));
    this.store.setStatus(id, 'answering');
    this.hub.status(id, 'answering');
    const decision = decideCommand(row.text, rule.trust);
    if (decision.kind !== 'not-a-command') {
      const reply =
        decision.kind === 'denied'
          ? `/${decision.command.name} is only allowed in the owner's main conversation.`
          : await runCommand(decision.command, row.conversationId, { memory: this.memory, events: ctx.events, now: () => new Date(ctx.clock.now()), status: () => JSON.stringify(this.status()), doctor: this.doctor });
      this.finish(row, reply, false);
      return;
    }
    const trust = rule.trust === 'main' ? 'main' : 'other';
    try {
      const tools = toolsFor(trust, row.conversationId, { memory: this.memory, now: () => new Date(ctx.clock.now()), toolbox: this.toolbox, agentId: this.toolbox && this.agent ? this.agent.ensure() : null });
      const result = await generateReply(
        this.deps.llm,
        { ...(cfg.model ? { model: cfg.model } : {}), messages: this.promptFor(row, trust === 'main', trust === 'main'), tools: tools.definitions, maxRounds: cfg.tools.maxRounds },
        (call) => tools.run(call, job.signal),
        (t) => this.hub.delta(id, t),
        job.signal,
        ctx.redactor,
      );
      this.finish(row, result.text, result.cached);
      if (!result.cached) this.survival.recovered();
    } catch (err) {
      if (isNxsError(err) && err.code === 'NXS_ERR_PROVIDERS_EXHAUSTED') {
        this.markDeferred(row, errorMessage(err));
        this.survival.failed(errorMessage(err));
        return;
      }
      const last = job.attempt >= job.job.maxAttempts;
      this.store.setStatus(id, last ? 'failed' : 'queued', ctx.redactor.scrub(errorMessage(err)));
      this.hub.reset(id);
      if (last) {
        this.hub.done(id, 'failed', null, ctx.redactor.scrub(errorMessage(err)));
        ctx.log.error({ message: id, err: ctx.redactor.scrub(errorMessage(err)) }, 'giving up on a message');
        return;
      }
      throw err;
    }
  }

  private finish(row: MessageRow, reply: string, cached: boolean): void {
    const deliver = row.channel !== 'http';
    const stored = this.store.saveReply(row.id, reply, cached, this.deps.ctx.clock.now(), deliver);
    this.hub.done(row.id, 'answered', stored, null);
    if (deliver) this.enqueueDelivery(row);
  }

  private markDeferred(row: MessageRow, reason: string): void {
    this.store.defer(row.id, reason);
    this.hub.reset(row.id);
    this.hub.status(row.id, 'deferred');
  }

  /** One message goes out as the probe: the oldest deferred. Its success ends the mode and re-enqueues the rest. */
  private probe(): void {
    const oldest = this.store.unanswered(['deferred'])[0];
    if (!oldest) {
      this.survival.recovered();
      return;
    }
    this.store.setStatus(oldest.id, 'queued', oldest.error);
    this.enqueueAnswer(oldest);
  }

  private requeueDeferred(): void {
    for (const row of this.store.unanswered(['deferred'])) {
      this.store.setStatus(row.id, 'queued', row.error);
      this.enqueueAnswer(row);
    }
  }

  private promptFor(row: MessageRow, trusted: boolean, canRemember: boolean): ChatMessage[] {
    const { cfg, ctx } = this.deps;
    const system = buildSystemPrompt({ soul: this.identity.read('SOUL.md').text, memory: this.identity.read('MEMORY.md').text, soulMaxBytes: cfg.soulMaxBytes, memoryMaxBytes: cfg.memoryMaxBytes, now: new Date(ctx.clock.now()), conversationId: row.conversationId, trusted, canRemember });
    const messages: ChatMessage[] = [{ role: 'system', content: system }];
    for (const h of this.store.history(row.conversationId, row.id, cfg.historyMessages)) {
      messages.push({ role: 'user', content: said(h) });
      if (h.status === 'answered' && h.reply) messages.push({ role: 'assistant', content: h.reply });
    }
    messages.push({ role: 'user', content: said(row) });
    return messages;
  }
}

/** In a group the model needs to know who spoke; elsewhere the name is noise. */
function said(m: MessageRow): string {
  return m.address.isGroup && m.sender ? `${m.sender}: ${m.text}` : m.text;
}
