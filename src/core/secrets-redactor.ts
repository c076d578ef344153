// Secrets stay secret: every credential nxs resolves is registered here, and
// every line that leaves the process through the logger (and every error body
// the HTTP server writes) passes through `scrub`, so a key that slips into a
// message is replaced before anyone sees it. Pino's key-path redaction covers
// the structured fields; this covers free text. Provider text is scrubbed
// before it is stored (answer cache, assistant replies), not only when shown.
//
// No pattern is compiled from the secrets (secret-index.ts says why), and
// nothing here can throw an error that carries one: a scrub that fails for any
// reason withholds the whole text rather than return it unscrubbed.

import { HEAD, SecretIndex } from './secret-index.ts';

export const REDACTED = '[REDACTED]';
const WITHHELD = '[REDACTED: text withheld, the secret scrubber failed]';
/**
 * A text that ends with this many characters or more of a secret's beginning
 * has that end redacted too: provider error text is cut (to 200 or 500
 * characters) before it is scrubbed, and a key cut there is no longer whole.
 * Eight is past the vendor prefixes a text may name on purpose ("sk-", "xoxb-").
 */
export const MIN_CUT_PREFIX = 8;

export interface TextScrubber {
  scrub(text: string): string;
}

/** Scrubs a stream of text pieces; a secret cut between two pieces is still caught. */
export interface StreamScrubber {
  /** The part of `piece` (with what was held before) that is safe to send now. */
  push(piece: string): string;
  /** Everything still held, scrubbed: call once at the end of the stream. */
  end(): string;
}

export class SecretRedactor implements TextScrubber {
  private readonly index = new SecretIndex();

  /** Registers a secret; shorter than 6 characters is ignored (it would match everyday text). */
  add(secret: string | undefined | null): void {
    if (!secret || secret.length < HEAD || !this.index.add(secret)) return;
    // In JSON text (log lines, HTTP bodies) a secret with a quote, backslash or control character appears escaped.
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret) this.index.add(escaped);
  }

  scrub(text: string): string {
    try {
      const r = this.index.replace(text, REDACTED, true);
      if (r.end === text.length) return r.out;
      const rest = text.slice(r.end);
      return r.out + (rest.length >= MIN_CUT_PREFIX ? REDACTED : this.index.replace(rest, REDACTED).out);
    } catch {
      // Only an allocation can fail here; failing closed keeps whatever the text held out of sight.
      return WITHHELD;
    }
  }

  /**
   * A scrubber for one stream (SSE deltas): it holds back a piece's tail only
   * while that tail is the beginning of a registered secret, so an answer is
   * delayed by at most the secret in progress, never by the longest secret.
   * The pieces it returns, joined, equal `scrub` of the whole text.
   */
  stream(): StreamScrubber {
    let held = '';
    return {
      push: (piece) => {
        const text = held + piece;
        try {
          const r = this.index.replace(text, REDACTED, true);
          held = text.slice(r.end);
          return r.out;
        } catch {
          held = '';
          return WITHHELD;
        }
      },
      end: () => {
        const rest = held;
        held = '';
        return rest ? this.scrub(rest) : '';
      },
    };
  }
}

/** A JSON-like value with every string in it (keys too) scrubbed: for what is stored as structure. */
export function scrubStrings<T>(value: T, scrubber: TextScrubber): T {
  return scrubValue(value, scrubber) as T;
}

function scrubValue(v: unknown, s: TextScrubber): unknown {
  if (typeof v === 'string') return s.scrub(v);
  if (Array.isArray(v)) return v.map((x) => scrubValue(x, s));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[s.scrub(k)] = scrubValue(x, s);
    return out;
  }
  return v;
}
