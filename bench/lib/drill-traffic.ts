// bench/lib/drill-traffic.ts: steady message traffic for the drills, and what every drill takes.
import { setTimeout as sleep } from 'node:timers/promises';
import { follow, Ledger, postMessage, PostRefused, type Sent } from './message-client.ts';
import type { FakeProvider } from '../../test/helpers/fake-provider.ts';

export interface DrillOptions {
  /** NXS_HOME shared by the drills' hosts (the runtime is unpacked there once). */
  home: string;
  /** CI's variant: every row, shorter phases. */
  short: boolean;
  /** Progress lines (stderr by default), so a long drill shows where it is. */
  say: (line: string) => void;
}

/**
 * Posts one message every `gapMs` into `conversations` in turn, and follows each to its answer
 * (re-subscribing after `hostBack` when the host died under it). stop() ends the posting and
 * waits for every accepted message to be answered.
 */
export class Traffic {
  private timer: NodeJS.Timeout | null = null;
  private readonly following: Promise<void>[] = [];
  private turn = 0;
  readonly ledger: Ledger;
  private readonly o: { url: () => string; conversations: string[]; gapMs: number; label: string; hostBack?: () => Promise<void> };

  constructor(ledger: Ledger, o: { url: () => string; conversations: string[]; gapMs: number; label: string; hostBack?: () => Promise<void> }) {
    this.ledger = ledger;
    this.o = o;
  }

  start(): this {
    this.timer = setInterval(() => void this.one(), this.o.gapMs);
    return this;
  }

  /** Sends one now; resolves once it was accepted or refused (not answered). */
  async one(): Promise<Sent> {
    const conv = this.o.conversations[this.turn++ % this.o.conversations.length]!;
    const s = this.ledger.add(conv, '');
    s.text = `${this.o.label} #${s.n}`;
    try {
      s.id = await postMessage(this.o.url(), conv, s.text);
      s.acceptedAt = performance.now();
      this.following.push(follow(s, this.o.url, this.o.hostBack).catch((err: Error) => void (s.refused = `follow: ${err.message}`)));
    } catch (err) {
      s.refused = err instanceof PostRefused ? (err.code ?? String(err.status)) : (err as Error).message;
    }
    return s;
  }

  pause(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Stops posting; resolves once every accepted message reached its end (or `deadlineMs` passed). */
  async stop(deadlineMs = 120_000): Promise<void> {
    this.pause();
    await Promise.race([Promise.all(this.following), sleep(deadlineMs)]);
  }
}

/** The message numbers (`#n`) in the order a fake provider was asked for them, first asks only. */
export function askedOrder(fakes: FakeProvider[], label: string): number[] {
  const seen = new Set<number>();
  const order: number[] = [];
  const all = fakes.flatMap((f) => f.requests.map((r) => ({ r, at: (r as { at?: number }).at ?? 0 })));
  for (const { r } of all.sort((x, y) => x.at - y.at)) {
    const msgs = (r.body?.messages ?? []) as { role: string; content: unknown }[];
    const last = [...msgs].reverse().find((m) => m.role === 'user');
    const m = typeof last?.content === 'string' ? new RegExp(`${label} #(\\d+)`).exec(last.content) : null;
    if (m && !seen.has(Number(m[1]))) {
      seen.add(Number(m[1]));
      order.push(Number(m[1]));
    }
  }
  return order;
}

/** Stamps each request a fake receives with its arrival time (performance.now()), for askedOrder and timings. */
export function stampArrivals(fake: FakeProvider): void {
  const push = fake.requests.push.bind(fake.requests);
  fake.requests.push = (...items) => push(...items.map((r) => Object.assign(r, { at: performance.now() })));
}

export function sleepMs(ms: number): Promise<void> {
  return sleep(ms);
}

/**
 * Per conversation, the providers were first asked for the messages in the order the host accepted
 * them (by message id: two posts in flight at once may be accepted in either order). The client's own
 * view of when each answer ended is no measure of order: a stream subscribed late sees `done` late.
 */
export function orderKept(ledger: Ledger, fakes: FakeProvider[], label: string): boolean {
  return orderBroken(ledger, fakes, label) === null;
}

/** The first pair asked out of order, in words (null when order was kept). */
export function orderBroken(ledger: Ledger, fakes: FakeProvider[], label: string): string | null {
  const byN = new Map(ledger.sent.map((s) => [s.n, s]));
  const last = new Map<string, { id: number; n: number }>();
  for (const n of askedOrder(fakes, label)) {
    const s = byN.get(n);
    if (s?.id === null || s === undefined) continue;
    const prev = last.get(s.conversation);
    if (prev && prev.id > s.id) return `in ${s.conversation}, #${prev.n} (id ${prev.id}) was asked before #${s.n} (id ${s.id})`;
    last.set(s.conversation, { id: s.id, n });
  }
  return null;
}
