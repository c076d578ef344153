import { LineCounter, parseDocument, isMap, isScalar, YAMLParseError, type ErrorCode } from 'yaml';
import { NxsError } from '../core/errors.ts';

type Doc = Record<string, unknown>;

/**
 * Keys that would reach an object's prototype when the document is merged or read
 * (`__proto__: {api_token: X}` set the operator token past the unknown-key check).
 * They are refused at every depth of every layer, never skipped silently.
 */
const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * What each YAML syntax error means, in our words: the parser's own messages quote
 * the text around the error (a tag, a scalar, an escape), and a file given as the
 * config may be any file (`--config /etc/shadow`), so none of its text is repeated.
 */
const SYNTAX: Partial<Record<ErrorCode, string>> = {
  BAD_INDENT: 'wrong indentation',
  TAB_AS_INDENT: 'a tab used for indentation (use spaces)',
  MULTILINE_IMPLICIT_KEY: 'a key that runs over more than one line (a missing colon?)',
  DUPLICATE_KEY: 'a key given twice in one mapping',
  MISSING_CHAR: 'a missing character (a closing bracket, quote, comma or colon)',
  UNEXPECTED_TOKEN: 'an unexpected character',
  BLOCK_AS_IMPLICIT_KEY: 'a nested block used as a key',
  BLOCK_IN_FLOW: 'a block inside [ ] or { }',
  BAD_SCALAR_START: 'a value that cannot start with that character (quote it)',
  BAD_DQ_ESCAPE: 'an invalid escape in a double-quoted string',
  MULTIPLE_DOCS: 'more than one document (a second ---)',
  TAG_RESOLVE_FAILED: 'an unknown !tag',
  BAD_ALIAS: 'an alias to an anchor that is not defined',
  KEY_OVER_1024_CHARS: 'a key longer than 1024 characters',
};

/** Where a parsed file's top-level keys start, for messages that must not quote them. */
export interface ParsedYaml {
  doc: Doc;
  /** "line L, column C" of the first top-level key, if any. */
  firstKeyAt: string | undefined;
}

/**
 * Parses one config file's text. Errors name the file, the line and column and
 * what kind of mistake it is, never the text itself.
 */
export function parseYamlText(file: string, text: string): Doc {
  return parseYamlWithPositions(file, text).doc;
}

export function parseYamlWithPositions(file: string, text: string): ParsedYaml {
  const lines = new LineCounter();
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter: lines });
  const first = document.errors[0];
  if (first) throw syntaxError(file, first, lines);
  let doc: unknown;
  try {
    doc = document.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // toJS fails only on alias abuse (a "billion laughs" document); its message names no text.
    throw new NxsError('NXS_ERR_CONFIG_UNREADABLE', `${file}: not valid YAML (${err instanceof Error ? err.message.split('\n')[0] : 'cannot be read'})`, { file });
  }
  if (doc === null || doc === undefined) return { doc: {}, firstKeyAt: undefined };
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new NxsError('NXS_ERR_CONFIG_INVALID', `${file}: the document must be a mapping of keys to values`, { file });
  }
  const contents = document.contents;
  const firstKey = isMap(contents) ? contents.items[0]?.key : undefined;
  const offset = isScalar(firstKey) ? firstKey.range?.[0] : undefined;
  return { doc: doc as Doc, firstKeyAt: offset === undefined ? undefined : at(lines.linePos(offset)) };
}

/** Throws when a key anywhere in `value` could reach a prototype. */
export function refusePrototypeKeys(value: unknown, origin: string, prefix = ''): void {
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => refusePrototypeKeys(v, origin, prefix ? `${prefix}.${i}` : String(i)));
    return;
  }
  // Own keys, __proto__ included: YAML and JSON parsers define it as an own property.
  for (const key of Object.keys(value)) {
    const p = prefix ? `${prefix}.${key}` : key;
    if (PROTOTYPE_KEYS.has(key)) {
      throw new NxsError('NXS_ERR_CONFIG_INVALID', `${origin}: ${p} must not be a key (__proto__, constructor and prototype can replace an object's prototype); remove it`, { origin, key: p });
    }
    refusePrototypeKeys((value as Doc)[key], origin, p);
  }
}

function syntaxError(file: string, err: YAMLParseError, lines: LineCounter): NxsError {
  const where = at(lines.linePos(err.pos[0]));
  const what = SYNTAX[err.code] ?? 'a syntax error';
  return new NxsError('NXS_ERR_CONFIG_UNREADABLE', `${file} at ${where}: not valid YAML: ${what} (${err.code})`, { file, yamlCode: err.code });
}

function at(pos: { line: number; col: number }): string {
  return `line ${pos.line}, column ${pos.col}`;
}
