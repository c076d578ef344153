import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { NxsError } from '../core/errors.ts';
import { ConfigCheck, join } from './check.ts';
import { readConfigText } from './config-file.ts';
import { parseYamlText, parseYamlWithPositions, refusePrototypeKeys } from './yaml-text.ts';
import { accountHomeDir, resolveNxsHome } from '../runtime/nxs-home.ts';
import type { CoreConfig } from './schema.ts';
import { SECTIONS, type SectionConfigs } from './sections.ts';

export type Config = CoreConfig & Omit<SectionConfigs, 'core'>;

export interface ConfigFlags {
  config?: string | undefined;
  port?: string | number | undefined;
  dataDir?: string | undefined;
  tier?: string | undefined;
}

export interface LoadConfigOptions {
  env: Readonly<Record<string, string | undefined>>;
  flags?: ConfigFlags;
  /** The default config shipped in the payload; the first layer. */
  defaultsFile?: string | undefined;
  /** The account's home from the password database, used when neither NXS_HOME nor HOME says where home is. */
  accountHome?: () => string | undefined;
}

export interface LoadedConfig {
  config: Config;
  /** The files read, in layer order. */
  files: string[];
}

/** Environment variables that set config keys, and the key each sets. */
export const ENV_KEYS: Readonly<Record<string, string>> = {
  NXS_PORT: 'server.port',
  NXS_HOST: 'server.host',
  NXS_DATA_DIR: 'data_dir',
  NXS_LOG_LEVEL: 'log.level',
  NXS_TIER: 'tier',
  NXS_API_TOKEN: 'api_token',
};

type Doc = Record<string, unknown>;

/** The top-level keys some section owns. */
const KNOWN_KEYS: readonly string[] = Object.values(SECTIONS).flatMap((s) => s.keys);

/**
 * Layers, later wins: the shipped defaults, the config file (--config, NXS_CONFIG,
 * or $NXS_HOME/nxs.yaml when present), NXS_* environment, flags. Every leaf remembers
 * which layer set it, so a bad value is reported against the right file or variable.
 */
export function loadConfig(opts: LoadConfigOptions): LoadedConfig {
  const { env, flags = {} } = opts;
  const home = resolveNxsHome(env, opts.accountHome ?? accountHomeDir);
  const merged: Doc = {};
  const origins = new Map<string, string>();
  const files: string[] = [];

  if (opts.defaultsFile) {
    const doc = readDefaultsFile(opts.defaultsFile);
    if (doc) {
      mergeLayer(merged, doc, `${opts.defaultsFile}`, origins);
      files.push(opts.defaultsFile);
    }
  }

  const explicit = flags.config ?? env.NXS_CONFIG;
  const userFile = explicit ? path.resolve(explicit) : path.join(home, 'nxs.yaml');
  const userDoc = readUserFile(userFile, Boolean(explicit));
  if (userDoc) {
    mergeLayer(merged, userDoc, userFile, origins);
    files.push(userFile);
  }

  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value !== undefined && value !== '') setPath(merged, key, value, `environment variable ${name}`, origins);
  }

  if (flags.port !== undefined) setPath(merged, 'server.port', flags.port, 'flag --port', origins);
  if (flags.dataDir !== undefined) setPath(merged, 'data_dir', flags.dataDir, 'flag --data-dir', origins);
  if (flags.tier !== undefined) setPath(merged, 'tier', flags.tier, 'flag --tier', origins);

  return { config: parseConfig(merged, origins, home), files };
}

/** Validates a merged document. Exposed for tests and for `reload`. */
export function parseConfig(doc: Doc, origins: ReadonlyMap<string, string>, home: string): Config {
  const check = new ConfigCheck(origins);
  refusePrototypeKeys(doc, 'the config');
  check.obj(doc, '', KNOWN_KEYS);
  const core = SECTIONS.core.parse(doc, check);
  const parts = {} as Record<string, unknown>;
  for (const [name, section] of Object.entries(SECTIONS)) {
    if (name !== 'core') parts[name] = section.parse(doc, check);
  }
  return {
    ...core,
    home,
    dataDir: path.resolve(core.dataDir ?? path.join(home, 'data')),
    ...(parts as Omit<SectionConfigs, 'core'>),
  };
}

/** The parsed twin of a YAML file that the build writes beside it (`<file>.json`). */
export interface ParsedTwin {
  /** sha256 (hex) of the YAML text the document was parsed from. */
  sha256: string;
  doc: Doc;
}

const textHash = (text: string): string => createHash('sha256').update(text).digest('hex');

export function twinOf(text: string, doc: Doc): ParsedTwin {
  return { sha256: textHash(text), doc };
}

/**
 * The shipped defaults. The build writes their parsed form beside them, so a
 * start with no config file of its own never runs the YAML parser (its first
 * parse costs milliseconds of cold code). The twin counts only while it was
 * made from the very text of the YAML file next to it; otherwise the YAML wins.
 */
function readDefaultsFile(file: string): Doc | null {
  const text = readConfigText(file, false);
  if (text === null) return null;
  try {
    const twin = JSON.parse(readFileSync(`${file}.json`, 'utf8')) as Partial<ParsedTwin>;
    if (twin.sha256 === textHash(text) && isPlainObject(twin.doc)) return twin.doc;
  } catch {
    // No twin, or an unreadable one: parse the YAML.
  }
  return parseYamlText(file, text);
}

/**
 * The user's config file. A file none of whose top-level keys is a config key, or a
 * near miss of one, is not an nxs config (`--config /etc/shadow` parses as a mapping
 * of its lines): it is refused by position only, since its text is not the config's
 * own to repeat. A near miss (`sever:`) still gets the unknown-key message naming it.
 */
function readUserFile(file: string, mustExist: boolean): Doc | null {
  const text = readConfigText(file, mustExist);
  if (text === null) return null;
  const { doc, firstKeyAt } = parseYamlWithPositions(file, text);
  refusePrototypeKeys(doc, file);
  const keys = Object.keys(doc);
  if (keys.length > 0 && !keys.some(isConfigKeyOrTypo)) {
    throw new NxsError('NXS_ERR_CONFIG_INVALID', `${file} is not an nxs config: none of its ${keys.length} top-level key(s) is a config key (the first is at ${firstKeyAt ?? 'line 1, column 1'}); expected keys such as ${KNOWN_KEYS.slice(0, 5).join(', ')} (README.md lists them)`, { file });
  }
  return doc;
}

export { parseYamlText };

/** A known key, or one at most two edits away from one (a typo). */
function isConfigKeyOrTypo(key: string): boolean {
  return KNOWN_KEYS.some((known) => known === key || (Math.abs(known.length - key.length) <= 2 && editDistance(known, key) <= 2));
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** Adds one layer. Every layer is walked for prototype keys first: assigning `__proto__` below would replace a prototype. */
function mergeLayer(target: Doc, layer: Doc, origin: string, origins: Map<string, string>, prefix = ''): void {
  if (prefix === '') refusePrototypeKeys(layer, origin);
  for (const [key, value] of Object.entries(layer)) {
    const p = join(prefix, key);
    if (isPlainObject(value) && isPlainObject(target[key])) {
      mergeLayer(target[key] as Doc, value, origin, origins, p);
    } else {
      target[key] = isPlainObject(value) ? structuredClone(value) : value;
      origins.set(p, origin);
      if (isPlainObject(value)) markAll(value, p, origin, origins);
    }
  }
}

function markAll(value: Doc, prefix: string, origin: string, origins: Map<string, string>): void {
  for (const [key, v] of Object.entries(value)) {
    origins.set(join(prefix, key), origin);
    if (isPlainObject(v)) markAll(v, join(prefix, key), origin, origins);
  }
}

function setPath(doc: Doc, dotted: string, value: unknown, origin: string, origins: Map<string, string>): void {
  const keys = dotted.split('.');
  let node = doc;
  for (const key of keys.slice(0, -1)) {
    if (!isPlainObject(node[key])) node[key] = {};
    node = node[key] as Doc;
  }
  node[keys[keys.length - 1]!] = value;
  origins.set(dotted, origin);
}

function isPlainObject(v: unknown): v is Doc {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
