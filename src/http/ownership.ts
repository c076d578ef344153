import { hasCapability } from '../core/capabilities.ts';
import type { Principal } from './auth.ts';

/**
 * Reads on `owner` routes: a token sees what it created (jobs it enqueued, messages it sent), a
 * token bound to an agent sees that agent's things; ADMIN (the operator) sees everything. One
 * rule in one place, so every owner route answers the same way.
 */
export function seesAll(principal: Principal): boolean {
  return hasCapability(principal.capabilities, 'ADMIN');
}

/** True when `principal` created the thing (`createdBy` is the creator's principal id) or holds ADMIN. */
export function mayRead(principal: Principal, createdBy: string | null): boolean {
  return seesAll(principal) || (createdBy !== null && createdBy === principal.id);
}

/**
 * True when the caller may act as agent `agentId` (send its IPC, read its inbox, give it tasks): a
 * caller bound to an agent (its token, or the agent's own requests) only as that agent, whatever it
 * holds; an unbound caller only with ADMIN (the operator).
 */
export function actsAs(caller: Pick<Principal, 'capabilities' | 'agentId'>, agentId: string): boolean {
  return caller.agentId !== undefined ? caller.agentId === agentId : hasCapability(caller.capabilities, 'ADMIN');
}
