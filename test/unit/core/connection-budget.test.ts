import { describe, it, expect } from 'vitest';
import { connectionBudget, readNofileLimit } from '../../../src/http/connection-guard.ts';

describe('connectionBudget', () => {
  it.each([
    // nofile, configured -> normal, reserve
    [256, 0, 168, 24], // 64 files kept for the host; 192 connections, an eighth of them reserve
    [1024, 0, 672, 96],
    [64, 0, 4, 4], // a tiny limit still serves: at least 8 connections
    [1_048_576, 0, 3584, 512], // capped at 4096
    [null, 0, 672, 96], // unknown limit: the common 1024
    [256, 8, 4, 4], // server.max_connections replaces the computed total
    [256, 2, 1, 1],
  ])('nofile %s, max_connections %s: %s normal + %s reserve', (nofile, configured, normal, reserve) => {
    const b = connectionBudget(nofile, configured);
    expect([b.normal, b.reserve]).toEqual([normal, reserve]);
  });
});

describe('readNofileLimit', () => {
  const limits = (soft: string) => `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${soft}                 4096                 files\n`;
  it('reads the soft limit', () => expect(readNofileLimit(limits('256'))).toBe(256));
  it('is null when unlimited or absent', () => {
    expect(readNofileLimit(limits('unlimited'))).toBe(null);
    expect(readNofileLimit('nothing here')).toBe(null);
  });
});
