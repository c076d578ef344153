/**
 * Where registered secrets occur in a text, without compiling them into one
 * pattern. A single alternation regex of every secret failed to compile past
 * 32 KB of pattern (V8's limit: one long export passphrase was enough), and the
 * SyntaxError it threw carried the whole pattern, every secret in clear.
 *
 * Instead each secret is indexed by a hash of its first HEAD characters (HEAD
 * is the shortest secret kept). One pass slides a rolling hash over the text;
 * only where the hash names a bucket are that bucket's secrets compared with
 * `startsWith`, longest first. The cost is one integer Map lookup per character
 * whatever the number or length of secrets (docs/benchmarks/scrub.md), and
 * nothing here builds a string out of the secrets or throws one.
 *
 * Matches are leftmost-longest, as the alternation sorted by length was: at the
 * first position where any secret starts, the longest one that fits wins.
 */
export const HEAD = 6;
const FILTER_BITS = 1 << 16;
const FILTER_MASK = FILTER_BITS - 1;

// Polynomial hash over HEAD UTF-16 units, mod 2^32 (Math.imul wraps exactly, so rolling is exact too).
const BASE = 0x01000193;
const BASE_POW_HEAD = (() => {
  let p = 1;
  for (let i = 0; i < HEAD; i++) p = Math.imul(p, BASE);
  return p;
})();

function headHash(text: string, at: number): number {
  let h = 0;
  for (let i = at; i < at + HEAD; i++) h = (Math.imul(h, BASE) + text.charCodeAt(i)) | 0;
  return h;
}

export interface ReplaceResult {
  /** The text from 0 to `end` with every secret in it replaced. */
  out: string;
  /** How far `out` covers: text.length, or (with `holdPartial`) where a secret might still be starting. */
  end: number;
}

export class SecretIndex {
  /** Head hash -> the secrets with that head, longest first. */
  private readonly buckets = new Map<number, string[]>();
  /** One bit per (hash mod 2^16) in use: a typed-array load rejects almost every position before the Map is asked. */
  private readonly filter = new Uint8Array(FILTER_BITS / 8);
  /** Every prefix shorter than HEAD of every secret: a stream's last few characters may be one. */
  private readonly shortPrefixes = new Set<string>();
  private readonly all = new Set<string>();

  /** Adds one secret (at least HEAD characters); false when it was known or too short. */
  add(secret: string): boolean {
    if (secret.length < HEAD || this.all.has(secret)) return false;
    this.all.add(secret);
    const h = headHash(secret, 0);
    this.filter[(h & FILTER_MASK) >>> 3]! |= 1 << (h & 7);
    const bucket = this.buckets.get(h);
    if (!bucket) this.buckets.set(h, [secret]);
    else {
      const at = bucket.findIndex((s) => s.length < secret.length);
      bucket.splice(at === -1 ? bucket.length : at, 0, secret);
    }
    for (let n = 1; n < HEAD; n++) this.shortPrefixes.add(secret.slice(0, n));
    return true;
  }

  /**
   * Replaces every secret in `text` with `replacement`. With `holdPartial`
   * (a stream), stops at the first position from which the rest of the text
   * is the beginning of a secret that a later chunk could complete: `end` is
   * that position, and the caller keeps text.slice(end) for the next chunk.
   * Everything before `end` is final: a match that could still grow longer
   * starts at or after it.
   */
  replace(text: string, replacement: string, holdPartial = false): ReplaceResult {
    const n = text.length;
    if (this.all.size === 0) return { out: text, end: n };
    const filter = this.filter;
    let out = '';
    let copied = 0;
    let p = 0;
    let h = n >= HEAD ? headHash(text, 0) : 0;
    while (p + HEAD <= n) {
      const bucket = (filter[(h & FILTER_MASK) >>> 3]! & (1 << (h & 7))) !== 0 ? this.buckets.get(h) : undefined;
      if (bucket) {
        const found = this.matchAt(bucket, text, p, holdPartial);
        if (found === HOLD) return { out: out + text.slice(copied, p), end: p };
        if (found > 0) {
          out += text.slice(copied, p) + replacement;
          p += found;
          copied = p;
          if (p + HEAD <= n) h = headHash(text, p);
          continue;
        }
      }
      if (p + HEAD < n) h = (Math.imul(h, BASE) + text.charCodeAt(p + HEAD) - Math.imul(text.charCodeAt(p), BASE_POW_HEAD)) | 0;
      p++;
    }
    // The last HEAD - 1 characters are too short for a whole secret, but in a stream they may start one.
    if (holdPartial) {
      for (let q = Math.max(p, n - HEAD + 1); q < n; q++) {
        if (this.shortPrefixes.has(text.slice(q))) return { out: out + text.slice(copied, q), end: q };
      }
    }
    return { out: copied === 0 ? text : out + text.slice(copied), end: n };
  }

  /** The length of the longest secret at `p`, 0 for none, or HOLD when a longer one may still arrive. */
  private matchAt(bucket: readonly string[], text: string, p: number, holdPartial: boolean): number {
    const rest = text.length - p;
    for (const s of bucket) {
      if (s.length > rest) {
        // A secret cut by the end of this chunk: a stream waits for the rest before deciding.
        if (holdPartial && s.startsWith(text.slice(p))) return HOLD;
        continue;
      }
      if (text.startsWith(s, p)) return s.length;
    }
    return 0;
  }
}

const HOLD = -1;
