import { createHash, randomBytes } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/database.ts';
import type { Clock } from '../core/clock.ts';
import { NxsError } from '../core/errors.ts';
import { CAPABILITIES, isCapability, type Capability } from '../core/capabilities.ts';
import type { TokenResolver } from '../http/auth.ts';
import { NO_DOOR_LIMITS, doorLimitsJson, parseDoorLimits, type DoorLimits, type DoorLimitsJson } from './token-limits.ts';

export interface TokenInfo extends DoorLimitsJson {
  token_id: string;
  name: string;
  capabilities: Capability[];
  agent_id: string | null;
  created_at: number;
  revoked_at: number | null;
}

interface Row {
  token_id: string;
  name: string;
  capabilities: string;
  agent_id: string | null;
  created_at: number;
  revoked_at: number | null;
  models: string | null;
  requests_per_minute: number | null;
  tokens_per_minute: number | null;
  daily_tokens: number | null;
}

const COLUMNS = 'token_id, name, capabilities, agent_id, created_at, revoked_at, models, requests_per_minute, tokens_per_minute, daily_tokens';

const PREFIX = 'nxs_';

/**
 * API tokens with their own capabilities. Only a SHA-256 digest is stored, so
 * the store (or a checkpoint of it) never holds a usable token; the token is
 * shown once, when it is made.
 */
export class TokenStore {
  private readonly db: Db;
  private readonly clock: Clock;
  /** Prepared once: it runs on every request that carries a created token. */
  private readonly byDigest: Statement<[string], Row>;
  /** Prepared once: the /v1 door reads a token's limits on every request it makes. */
  private readonly limitsById: Statement<[string], Row>;
  constructor(db: Db, clock: Clock) {
    this.db = db;
    this.clock = clock;
    this.byDigest = db.prepare(`SELECT ${COLUMNS} FROM api_tokens WHERE digest = ?`);
    this.limitsById = db.prepare(`SELECT ${COLUMNS} FROM api_tokens WHERE token_id = ?`);
  }

  /**
   * `models` and `limits` bound the token at the /v1 door (token-limits.ts): a model allowlist,
   * requests and tokens per minute, tokens per UTC day.
   */
  create(input: { capabilities: unknown; agentId?: string | null; name?: string; models?: unknown; limits?: unknown }): { token: string; info: TokenInfo } {
    const caps = parseCaps(input.capabilities);
    const door = parseDoorLimits(input.models, input.limits);
    const tokenId = randomBytes(6).toString('hex');
    const token = `${PREFIX}${tokenId}_${randomBytes(24).toString('base64url')}`;
    const name = input.name?.trim() || `token-${tokenId}`;
    if (name.length > 100) throw new NxsError('NXS_ERR_TOKEN_INVALID', 'name must be at most 100 characters');
    const now = this.clock.now();
    this.db
      .prepare('INSERT INTO api_tokens (token_id, name, digest, capabilities, agent_id, created_at, models, requests_per_minute, tokens_per_minute, daily_tokens) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(tokenId, name, digest(token), JSON.stringify(caps), input.agentId ?? null, now, door.models ? JSON.stringify(door.models) : null, door.requestsPerMinute, door.tokensPerMinute, door.dailyTokens);
    return { token, info: { token_id: tokenId, name, capabilities: caps, agent_id: input.agentId ?? null, created_at: now, revoked_at: null, ...doorLimitsJson(door) } };
  }

  list(): TokenInfo[] {
    return (this.db.prepare(`SELECT ${COLUMNS} FROM api_tokens ORDER BY created_at, token_id`).all() as Row[]).map(toInfo);
  }

  /** A principal's bounds at the /v1 door: a made token's own (`token:<id>`); none for the operator and sessions. */
  doorLimits(principalId: string): DoorLimits {
    if (!principalId.startsWith('token:')) return NO_DOOR_LIMITS;
    const row = this.limitsById.get(principalId.slice('token:'.length));
    return row ? limitsOf(row) : NO_DOOR_LIMITS;
  }

  revoke(tokenId: string): TokenInfo {
    this.db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL').run(this.clock.now(), tokenId);
    const row = this.db.prepare(`SELECT ${COLUMNS} FROM api_tokens WHERE token_id = ?`).get(tokenId) as Row | undefined;
    if (!row) throw new NxsError('NXS_ERR_TOKEN_NOT_FOUND', `no API token ${tokenId} (see nxs token ls)`);
    return toInfo(row);
  }

  /** The resolver for TokenAuthority. A token bound to an agent holds at most that agent's capabilities. */
  resolver(agentCaps: (agentId: string) => ReadonlySet<Capability> | null): TokenResolver {
    // The authority hands over the token's SHA-256 (the digest stored here, hex-encoded).
    return (token, tokenDigest) => {
      if (!token.startsWith(PREFIX)) return null;
      const row = this.byDigest.get(tokenDigest.toString('hex'));
      if (!row || row.revoked_at !== null) return null;
      const info = toInfo(row);
      let caps = new Set<Capability>(info.capabilities);
      if (info.agent_id) {
        const held = agentCaps(info.agent_id) ?? new Set<Capability>();
        caps = new Set([...caps].filter((c) => held.has(c) || held.has('ADMIN')));
      }
      return { id: `token:${info.token_id}`, capabilities: caps, ...(info.agent_id ? { agentId: info.agent_id } : {}) };
    };
  }
}

export function parseCaps(value: unknown): Capability[] {
  const list = typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value;
  if (!Array.isArray(list) || list.length === 0) throw new NxsError('NXS_ERR_TOKEN_INVALID', `capabilities must be a non-empty list of ${CAPABILITIES.join(', ')}`);
  for (const c of list) {
    if (!isCapability(c)) throw new NxsError('NXS_ERR_TOKEN_INVALID', `unknown capability ${JSON.stringify(c)}; expected one of ${CAPABILITIES.join(', ')}`);
  }
  return [...new Set(list as Capability[])];
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function limitsOf(r: Row): DoorLimits {
  return { models: r.models === null ? null : (JSON.parse(r.models) as string[]), requestsPerMinute: r.requests_per_minute, tokensPerMinute: r.tokens_per_minute, dailyTokens: r.daily_tokens };
}

function toInfo(r: Row): TokenInfo {
  return { token_id: r.token_id, name: r.name, capabilities: JSON.parse(r.capabilities) as Capability[], agent_id: r.agent_id, created_at: r.created_at, revoked_at: r.revoked_at, ...doorLimitsJson(limitsOf(r)) };
}
