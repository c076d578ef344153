import { describe, it, expect } from 'vitest';
import { REDACTED, SecretRedactor, scrubStrings } from '../../../src/core/secrets-redactor.ts';

// The scrubber it replaced: one alternation, longest first. Kept here as the oracle for small inputs.
function oracle(secrets: string[], text: string): string {
  const known = [...new Set(secrets.filter((s) => s.length >= 6))].sort((a, b) => b.length - a.length);
  if (!known.length) return text;
  return text.replace(new RegExp(known.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g'), REDACTED);
}

function redactor(...secrets: string[]): SecretRedactor {
  const r = new SecretRedactor();
  for (const s of secrets) r.add(s);
  return r;
}

// A seeded generator: the random cases are the same on every run.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

describe('SecretRedactor.scrub', () => {
  it.each([
    { name: 'no secrets', secrets: [], text: 'key sk-abcdef here', want: 'key sk-abcdef here' },
    { name: 'one secret, twice', secrets: ['sk-abcdef'], text: 'sk-abcdef and sk-abcdef.', want: `${REDACTED} and ${REDACTED}.` },
    { name: 'at both ends', secrets: ['secret1'], text: 'secret1 secret1', want: `${REDACTED} ${REDACTED}` },
    { name: 'too short to register', secrets: ['abc12'], text: 'abc12', want: 'abc12' },
    { name: 'the longest of two at one place wins', secrets: ['token-1', 'token-1234'], text: 'x token-1234 token-1', want: `x ${REDACTED} ${REDACTED}` },
    { name: 'leftmost wins over a longer one starting inside it', secrets: ['aaabbb', 'bbbcccddd'], text: 'aaabbbcccddd', want: `${REDACTED}cccddd` },
    { name: 'same head, different tails', secrets: ['sk-proj-AAAA', 'sk-proj-BBBBBB'], text: 'sk-proj-BBBBBB sk-proj-AAAA sk-proj-CCCC', want: `${REDACTED} ${REDACTED} sk-proj-CCCC` },
    { name: 'regex characters are plain text', secrets: ['a.b*c+d?(e)[f]'], text: 'a.b*c+d?(e)[f] axbbbcd', want: `${REDACTED} axbbbcd` },
    { name: 'a JSON-escaped secret in a log line', secrets: ['pa"ss\\word'], text: JSON.stringify({ msg: 'pa"ss\\word' }), want: `{"msg":"${REDACTED}"}` },
    { name: 'astral characters', secrets: ['🔑🔑🔑key'], text: 'the 🔑🔑🔑key!', want: `the ${REDACTED}!` },
    { name: 'a secret cut at the end of a text (an error cut to N characters)', secrets: ['sk-live-0123456789abcdef'], text: 'HTTP 401: bad key sk-live-0123', want: `HTTP 401: bad key ${REDACTED}` },
    { name: 'but not a short start that may be a vendor prefix', secrets: ['sk-live-0123456789abcdef'], text: 'keys start with sk-live', want: 'keys start with sk-live' },
    { name: 'a cut secret inside the text is not guessed at', secrets: ['sk-live-0123456789abcdef'], text: 'sk-live-0123... and more', want: 'sk-live-0123... and more' },
  ])('$name', ({ secrets, text, want }) => {
    expect(redactor(...secrets).scrub(text)).toBe(want);
  });

  it('agrees with the old alternation on random texts over a small alphabet', () => {
    const random = rng(7);
    const word = (min: number, max: number) => Array.from({ length: min + Math.floor(random() * (max - min + 1)) }, () => 'abc'[Math.floor(random() * 3)]).join('');
    for (let round = 0; round < 300; round++) {
      const secrets = Array.from({ length: 1 + Math.floor(random() * 6) }, () => word(6, 12));
      // Ends with "z": the oracle knows nothing of secrets cut at the end of a text.
      const text = Array.from({ length: 4 }, () => (random() < 0.5 ? secrets[Math.floor(random() * secrets.length)] : word(0, 20))).join(word(0, 3)) + 'z';
      expect(redactor(...secrets).scrub(text), `secrets ${secrets.join(',')} text ${text}`).toBe(oracle(secrets, text));
    }
  });

  it('scrubs a 33 KB secret among a thousand others, which the old pattern could not compile', () => {
    const random = rng(33);
    const big = Array.from({ length: 33 * 1024 }, () => String.fromCharCode(33 + Math.floor(random() * 90))).join('');
    const others = Array.from({ length: 1000 }, (_, i) => `sk-other-${i.toString(36).padStart(4, '0')}-${Math.floor(random() * 1e9)}`);
    expect(() => oracle([big, ...others], 'x')).toThrow(SyntaxError);
    const r = redactor(big, ...others);
    const text = `passphrase ${big} and ${others[999]} and ${others[0]}`;
    expect(r.scrub(text)).toBe(`passphrase ${REDACTED} and ${REDACTED} and ${REDACTED}`);
  });
});

describe('SecretRedactor.stream', () => {
  it('catches a secret cut across pieces and joins to what scrub gives the whole text', () => {
    const secrets = ['sk-live-0123456789', 'sk-live-01', 'other-secret-value'];
    const r = redactor(...secrets);
    const text = 'begin sk-live-0123456789 mid sk-live-01x other-secret-value s';
    for (let cut1 = 0; cut1 <= text.length; cut1 += 1) {
      for (const cut2 of [cut1, Math.min(text.length, cut1 + 3), Math.min(text.length, cut1 + 11)]) {
        const s = r.stream();
        const pieces = [text.slice(0, cut1), text.slice(cut1, cut2), text.slice(cut2)];
        const out = pieces.map((p) => s.push(p)).join('') + s.end();
        expect(out, `cuts ${cut1},${cut2}`).toBe(r.scrub(text));
        expect(out).not.toContain('sk-live-01');
      }
    }
  });

  it('holds back only a tail that can still become a secret', () => {
    const r = redactor('secret-token-xyz');
    const s = r.stream();
    expect(s.push('hello wor')).toBe('hello wor');
    expect(s.push('ld, secret-to')).toBe('ld, ');
    expect(s.push('ken-xyz!')).toBe(`${REDACTED}!`);
    expect(s.push('not a secr')).toBe('not a ');
    expect(s.push('et after all')).toBe('secret after all');
    expect(s.end()).toBe('');
  });
});

describe('scrubStrings', () => {
  it('scrubs every string of a value, keys included, and keeps its shape', () => {
    const r = redactor('sk-planted-key-1');
    const value = { id: 'c1', n: 3, ok: true, none: null, choices: [{ message: { content: 'your key is sk-planted-key-1' } }], ['sk-planted-key-1']: 1 };
    expect(scrubStrings(value, r)).toEqual({ id: 'c1', n: 3, ok: true, none: null, choices: [{ message: { content: `your key is ${REDACTED}` } }], [REDACTED]: 1 });
  });
});
