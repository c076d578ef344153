/**
 * Is a continuation really one? After a cut, a provider declared
 * `continuation: assistant-prefix` is sent the text so far as the last
 * assistant message (`prefix: true`) and should answer with only what comes
 * next. Some echo the prefix first (then it is dropped); an ordinary server
 * ignores the flag and starts a fresh answer, which would read as
 * "pong frompong from beta". Pure: the text already sent, what the
 * continuation said so far, and whether it has ended.
 */
export type SeamVerdict =
  /** Not enough yet to tell: hold the continuation's chunks back. */
  | { kind: 'wait' }
  /** A continuation: pass it on without its first `skip` characters (an echoed prefix). */
  | { kind: 'continues'; skip: number }
  /** It started the answer over: it cannot be spliced on. */
  | { kind: 'restarts' };

/**
 * A continuation that opens with this many of the answer's own first characters (leading spaces
 * aside) started over. Few enough to catch "Sure, here" against "Sure! Here"; a real continuation
 * that happens to open like the answer did is then refused: an honest error, never a spliced text.
 */
export const SEAM_CHARS = 4;

export function checkSeam(sent: string, cont: string, ended: boolean): SeamVerdict {
  if (cont.startsWith(sent)) return { kind: 'continues', skip: sent.length };
  // An echo may be arriving in pieces; a continuation that ended with nothing new said the answer was whole.
  if (sent.startsWith(cont)) return !ended ? { kind: 'wait' } : cont === '' ? { kind: 'continues', skip: 0 } : { kind: 'restarts' };
  const a = sent.trimStart();
  const b = cont.trimStart();
  // Still the answer's opening, give or take leading spaces: too early to tell.
  if (!ended && a.startsWith(b)) return { kind: 'wait' };
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common++;
  return common >= Math.min(SEAM_CHARS, a.length) && common > 0 ? { kind: 'restarts' } : { kind: 'continues', skip: 0 };
}
