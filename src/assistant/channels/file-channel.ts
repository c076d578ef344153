import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { Clock, TimerHandle } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import { errorMessage, isNxsError } from '../../core/errors.ts';
import { writeFileAtomic } from '../../runtime/atomic-write.ts';
import type { Channel, IncomingMessage } from './channel.ts';
import type { MessageRow } from '../conversation/message-store.ts';

export const FILE_CONVERSATION = 'files';
const ACCEPTED = /\.(txt|md)$/i;
// A writer copying a file makes several events; wait until it has been quiet this long.
const SETTLE_MS = 300;

/** Whether bytes are text we can hand a model: valid UTF-8 without NULs or many control characters. */
export function looksLikeText(buf: Buffer): boolean {
  if (buf.includes(0)) return false;
  const text = buf.toString('utf8');
  if (text.includes('\uFFFD') && !buf.includes(Buffer.from('\uFFFD'))) return false;
  let control = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 32 && c !== 9 && c !== 10 && c !== 13) control++;
  }
  return control <= Math.max(2, text.length / 100);
}

/**
 * For offline use (a USB stick): a .txt or .md dropped into inbox/ becomes a
 * message; its reply is written to outbox/<name>.reply.md (atomically) and the
 * original moves to done/. fs.watch plus one rescan at start: no polling.
 */
export class FileChannel implements Channel {
  readonly name = 'files';
  readonly inbox: string;
  readonly outbox: string;
  readonly done: string;
  private watcher: FSWatcher | null = null;
  private readonly pending = new Map<string, TimerHandle>();
  private readonly deps: { dir: string; clock: Clock; log: Logger; receive: (m: IncomingMessage) => MessageRow; maxBytes: number };

  constructor(deps: FileChannel['deps']) {
    this.deps = deps;
    this.inbox = path.join(deps.dir, 'inbox');
    this.outbox = path.join(deps.dir, 'outbox');
    this.done = path.join(deps.dir, 'done');
  }

  start(): void {
    for (const d of [this.inbox, this.outbox, this.done]) mkdirSync(d, { recursive: true });
    this.watcher = watch(this.inbox, (_event, name) => {
      if (name) this.soon(String(name));
    });
    this.watcher.on('error', (err) => this.deps.log.warn({ err: errorMessage(err) }, 'inbox watcher failed; files dropped now are read at the next start'));
    for (const name of readdirSync(this.inbox).sort()) this.ingest(name);
  }

  stop(): void {
    this.watcher?.close();
    this.watcher = null;
    for (const t of this.pending.values()) this.deps.clock.clearTimeout(t);
    this.pending.clear();
  }

  async deliver(message: MessageRow, reply: string): Promise<void> {
    const file = typeof message.address.file === 'string' ? message.address.file : `message-${message.id}.txt`;
    const stem = file.replace(ACCEPTED, '');
    mkdirSync(this.outbox, { recursive: true });
    writeFileAtomic(path.join(this.outbox, `${stem}.reply.md`), reply.endsWith('\n') ? reply : reply + '\n');
  }

  async notify(text: string): Promise<void> {
    mkdirSync(this.outbox, { recursive: true });
    writeFileAtomic(path.join(this.outbox, `DISTRESS-${new Date(this.deps.clock.now()).toISOString().replace(/[:.]/g, '-')}.txt`), text + '\n');
  }

  private soon(name: string): void {
    const prev = this.pending.get(name);
    if (prev) this.deps.clock.clearTimeout(prev);
    const t = this.deps.clock.setTimeout(() => {
      this.pending.delete(name);
      this.ingest(name);
    }, SETTLE_MS);
    t.unref();
    this.pending.set(name, t);
  }

  /** Reads one inbox file; never throws (a bad file is logged and set aside). */
  ingest(name: string): void {
    if (name.startsWith('.') || !ACCEPTED.test(name)) return;
    const file = path.join(this.inbox, name);
    let buf: Buffer;
    try {
      if (!statSync(file).isFile()) return;
      buf = readFileSync(file);
    } catch {
      return; // gone already (moved, or a rename's old name)
    }
    if (!looksLikeText(buf)) {
      this.deps.log.warn({ file: name, bytes: buf.length }, 'inbox file is not text (binary content); skipped and moved to done/');
      this.setAside(name, '.skipped');
      return;
    }
    const text = buf.toString('utf8').replace(/^\uFEFF/, '').trim();
    if (text === '') return;
    try {
      this.deps.receive({ conversationId: FILE_CONVERSATION, channel: this.name, text, address: { file: name }, externalId: `${name}:${createHash('sha256').update(buf).digest('hex').slice(0, 16)}`, sender: 'file' });
      this.setAside(name, '');
    } catch (err) {
      const reason = errorMessage(err);
      this.deps.log.warn({ file: name, code: isNxsError(err) ? err.code : undefined, reason }, 'inbox file refused; moved to done/ with a note in outbox/');
      try {
        writeFileAtomic(path.join(this.outbox, `${name.replace(ACCEPTED, '')}.error.txt`), `Not answered: ${reason}\n`);
      } catch (e) {
        this.deps.log.warn({ err: errorMessage(e) }, 'cannot write the refusal note');
      }
      this.setAside(name, '.refused');
    }
  }

  private setAside(name: string, suffix: string): void {
    try {
      renameSync(path.join(this.inbox, name), path.join(this.done, `${name}${suffix}`));
    } catch (err) {
      this.deps.log.warn({ file: name, err: errorMessage(err) }, 'cannot move the inbox file to done/');
    }
  }
}
