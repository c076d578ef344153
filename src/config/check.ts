import { NxsError } from '../core/errors.ts';

/**
 * Readers for config values. Each names the key and the expected form when a
 * value is wrong, and the layer it came from (a file, an environment variable,
 * a flag), so the message says exactly what to fix:
 *   /etc/nxs.yaml: server.port must be an integer from 0 to 65535; got "http"
 */
export class ConfigCheck {
  /** `origins` maps a dotted key to where its value came from; the nearest ancestor answers for a key. */
  private readonly origins: ReadonlyMap<string, string>;

  constructor(origins: ReadonlyMap<string, string> = new Map()) {
    this.origins = origins;
  }

  originOf(path: string): string {
    for (let p = path; p; p = p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '') {
      const o = this.origins.get(p);
      if (o) return o;
    }
    return 'built-in defaults';
  }

  fail(path: string, expected: string, got: unknown): never {
    const origin = this.originOf(path);
    throw new NxsError('NXS_ERR_CONFIG_INVALID', `${origin}: ${path} must be ${expected}; got ${describe(got)}`, {
      origin,
      key: path,
      expected,
    });
  }

  /** An object (mapping); `undefined` reads as empty. Unknown keys are refused so typos surface. */
  obj(value: unknown, path: string, allowed?: readonly string[]): Record<string, unknown> {
    if (value === undefined || value === null) return {};
    if (typeof value !== 'object' || Array.isArray(value)) this.fail(path, 'a mapping of keys to values', value);
    const record = value as Record<string, unknown>;
    if (allowed) {
      for (const key of Object.keys(record)) {
        if (!allowed.includes(key)) this.fail(join(path, key), `one of the known keys of ${path || 'the config'} (${allowed.join(', ')})`, 'an unknown key');
      }
    }
    return record;
  }

  str(value: unknown, path: string, def?: string): string {
    if (value === undefined || value === null) {
      if (def !== undefined) return def;
      this.fail(path, 'a string', value);
    }
    if (typeof value !== 'string' || value.length === 0) this.fail(path, 'a non-empty string', value);
    return value;
  }

  optStr(value: unknown, path: string): string | undefined {
    return value === undefined || value === null ? undefined : this.str(value, path);
  }

  int(value: unknown, path: string, opts: { min?: number; max?: number; def?: number } = {}): number {
    const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER, def } = opts;
    if ((value === undefined || value === null) && def !== undefined) return def;
    const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
      this.fail(path, `an integer${rangeText(min, max)}`, value);
    }
    return n;
  }

  num(value: unknown, path: string, opts: { min?: number; max?: number; def?: number } = {}): number {
    const { min = -Infinity, max = Infinity, def } = opts;
    if ((value === undefined || value === null) && def !== undefined) return def;
    const n = typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)) ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isFinite(n) || n < min || n > max) this.fail(path, `a number${rangeText(min, max)}`, value);
    return n;
  }

  bool(value: unknown, path: string, def?: boolean): boolean {
    if ((value === undefined || value === null) && def !== undefined) return def;
    if (value === true || value === 'true' || value === '1' || value === 'yes') return true;
    if (value === false || value === 'false' || value === '0' || value === 'no') return false;
    return this.fail(path, 'true or false', value);
  }

  oneOf<T extends string>(value: unknown, path: string, choices: readonly T[], def?: T): T {
    if ((value === undefined || value === null) && def !== undefined) return def;
    if (typeof value !== 'string' || !choices.includes(value as T)) this.fail(path, `one of ${choices.join(', ')}`, value);
    return value as T;
  }

  arr(value: unknown, path: string): unknown[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) this.fail(path, 'a list', value);
    return value;
  }

  url(value: unknown, path: string): string {
    const s = this.str(value, path);
    try {
      const u = new URL(s);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
    } catch {
      this.fail(path, 'an http:// or https:// URL', value);
    }
    return s;
  }
}

export function join(path: string, key: string | number): string {
  return path ? `${path}.${key}` : String(key);
}

function rangeText(min: number, max: number): string {
  const lo = Number.isFinite(min) && min > Number.MIN_SAFE_INTEGER;
  const hi = Number.isFinite(max) && max < Number.MAX_SAFE_INTEGER;
  if (lo && hi) return ` from ${min} to ${max}`;
  if (lo) return ` of at least ${min}`;
  if (hi) return ` of at most ${max}`;
  return '';
}

export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return value.length > 60 ? JSON.stringify(value.slice(0, 60) + '…') : JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}
