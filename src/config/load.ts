import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { NxsError, errorMessage, systemErrorCode } from '../core/errors.ts';
import { ConfigCheck, join } from './check.ts';
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
  /** Used when neither NXS_HOME nor HOME says where home is. */
  fallbackHome?: string;
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

/**
 * Layers, later wins: the shipped defaults, the config file (--config, NXS_CONFIG,
 * or $NXS_HOME/nxs.yaml when present), NXS_* environment, flags. Every leaf remembers
 * which layer set it, so a bad value is reported against the right file or variable.
 */
export function loadConfig(opts: LoadConfigOptions): LoadedConfig {
  const { env, flags = {} } = opts;
  const home = path.resolve(env.NXS_HOME || (env.HOME ? path.join(env.HOME, '.nxs') : opts.fallbackHome ?? '.nxs'));
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
  const userDoc = readYamlFile(userFile, Boolean(explicit));
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
  const known = Object.values(SECTIONS).flatMap((s) => s.keys);
  check.obj(doc, '', known);
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

function readConfigText(file: string, mustExist: boolean): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if (!mustExist && systemErrorCode(err) === 'ENOENT') return null;
    throw new NxsError('NXS_ERR_CONFIG_UNREADABLE', `cannot read config file ${file}: ${errorMessage(err)}`, { file });
  }
}

function readYamlFile(file: string, mustExist: boolean): Doc | null {
  const text = readConfigText(file, mustExist);
  return text === null ? null : parseYamlText(file, text);
}

/** Parses one config file's text; the errors name the file and the line. */
export function parseYamlText(file: string, text: string): Doc {
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` at line ${err.linePos[0].line}` : '';
    throw new NxsError('NXS_ERR_CONFIG_UNREADABLE', `${file}${where}: not valid YAML: ${errorMessage(err).split('\n')[0]}`, { file });
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new NxsError('NXS_ERR_CONFIG_INVALID', `${file}: the document must be a mapping of keys to values`, { file });
  }
  return doc as Doc;
}

function mergeLayer(target: Doc, layer: Doc, origin: string, origins: Map<string, string>, prefix = ''): void {
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
