// bench/lib/message-client.ts: the HTTP channel as a user's client sees it (POST /api/messages, then
// the message's SSE stream until `done`), plus the ledger the drills count accepted and lost messages in.
import { TOKEN } from './drill-host.ts';


export interface MessageView {
  message_id: number;
  conversation_id: string;
  status: string;
  reply: string | null;
  cached?: boolean;
  error?: string | null;
}

export class PostRefused extends Error {
  readonly status: number;
  readonly code: string | null;
  constructor(status: number, code: string | null, body: string) {
    super(`POST /api/messages answered ${status} ${code ?? ''}: ${body}`);
    this.status = status;
    this.code = code;
  }
}

const auth = { authorization: `Bearer ${TOKEN}` };

/** Posts one message; resolves with its id once the host accepted it (202), throws PostRefused otherwise. */
export async function postMessage(url: string, conversation: string, text: string): Promise<number> {
  const res = await fetch(`${url}/api/messages`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ conversation_id: conversation, text }) });
  const body = await res.text();
  if (res.status !== 202) throw new PostRefused(res.status, res.headers.get('x-nxs-error-code'), body);
  return (JSON.parse(body) as { message_id: number }).message_id;
}

export async function getMessage(url: string, id: number): Promise<MessageView> {
  const res = await fetch(`${url}/api/messages/${id}`, { headers: auth });
  if (res.status !== 200) throw new Error(`GET /api/messages/${id} answered ${res.status}`);
  return (await res.json()) as MessageView;
}

export async function getJson(url: string, route: string, init: RequestInit = {}): Promise<any> {
  const res = await fetch(`${url}${route}`, { ...init, headers: { ...auth, 'content-type': 'application/json', ...(init.headers ?? {}) } });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${route} answered ${res.status} ${res.headers.get('x-nxs-error-code') ?? ''}: ${text}`);
  return text ? JSON.parse(text) : null;
}

/**
 * Follows a message's SSE stream until `done`; `onStatus` sees every status on the way
 * (deferred, answering...). Rejects when the connection breaks (the host died).
 */
export async function followMessage(url: string, id: number, onStatus: (status: string) => void = () => {}, signal?: AbortSignal): Promise<MessageView> {
  const res = await fetch(`${url}/api/messages/${id}/stream`, { headers: auth, signal });
  if (res.status !== 200 || !res.body) throw new Error(`stream of message ${id} answered ${res.status}`);
  const decoder = new TextDecoder();
  let buf = '';
  for await (const chunk of res.body) {
    buf += decoder.decode(chunk as Uint8Array, { stream: true });
    let cut: number;
    while ((cut = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (!event || data === undefined) continue;
      const parsed = JSON.parse(data) as Record<string, unknown>;
      if (event === 'status') onStatus(String(parsed.status));
      if (event === 'done') return parsed as unknown as MessageView;
    }
  }
  throw new Error(`stream of message ${id} ended before done`);
}

/** One message a drill sent, from post to answer. */
export interface Sent {
  n: number;
  conversation: string;
  text: string;
  id: number | null;
  postedAt: number;
  /** When the host accepted it (202), or when the file landed in the inbox. */
  acceptedAt: number | null;
  refused: string | null;
  deferredAt: number | null;
  doneAt: number | null;
  final: MessageView | null;
}

/** The drill's ledger: what was accepted, what was answered, what was lost. */
export class Ledger {
  readonly sent: Sent[] = [];
  private next = 1;

  add(conversation: string, text: string): Sent {
    const s: Sent = { n: this.next++, conversation, text, id: null, postedAt: performance.now(), acceptedAt: null, refused: null, deferredAt: null, doneAt: null, final: null };
    this.sent.push(s);
    return s;
  }

  accepted(): Sent[] {
    return this.sent.filter((s) => s.acceptedAt !== null);
  }

  acceptedBetween(from: number, to: number): number {
    return this.accepted().filter((s) => s.acceptedAt! >= from && s.acceptedAt! <= to).length;
  }

  /** Accepted but never answered with a reply. */
  lost(): Sent[] {
    return this.accepted().filter((s) => s.final?.status !== 'answered' || !s.final.reply);
  }
}

/** Posts through the HTTP channel and follows the answer, recording everything in the ledger. */
export async function sendAndFollow(ledger: Ledger, url: () => string, conversation: string, text: string, hostBack?: () => Promise<void>): Promise<Sent> {
  const s = ledger.add(conversation, text);
  try {
    s.id = await postMessage(url(), conversation, text);
    s.acceptedAt = performance.now();
  } catch (err) {
    s.refused = err instanceof PostRefused ? (err.code ?? String(err.status)) : (err as Error).message;
    return s;
  }
  await follow(s, url, hostBack);
  return s;
}

/** Follows an accepted message to its end, re-subscribing after the host came back when the stream broke. */
export async function follow(s: Sent, url: () => string, hostBack?: () => Promise<void>): Promise<void> {
  for (;;) {
    try {
      s.final = await followMessage(url(), s.id!, (st) => {
        if (st === 'deferred' && s.deferredAt === null) s.deferredAt = performance.now();
      });
      s.doneAt = performance.now();
      return;
    } catch (err) {
      if (!hostBack) throw err;
      // The stream broke before the wrapper saw the exit: give the exit event a moment, then wait for the restart.
      await new Promise((r) => setTimeout(r, 50));
      await hostBack();
    }
  }
}

/** One line per lost message (for the report): what it was and how far it got. */
export function lostNotes(ledger: Ledger): string[] {
  return ledger.lost().map((s) => `lost: #${s.n} (${s.conversation}, id ${s.id}) ended ${s.final ? `${s.final.status}${s.final.error ? `: ${s.final.error}` : ''}` : `without an end${s.refused ? ` (${s.refused})` : ''}`}`);
}
