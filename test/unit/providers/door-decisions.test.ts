import { describe, it, expect } from 'vitest';
import { NxsError } from '../../../src/core/errors.ts';
import { checkSeam, type SeamVerdict } from '../../../src/providers/stream-seam.ts';
import { exhaustedCause, exhaustedError } from '../../../src/providers/exhausted.ts';
import { ChainExhausted } from '../../../src/providers/chain-runner.ts';
import { routeModel, listModels, type ModelGroups } from '../../../src/providers/model-routes.ts';
import { doorError } from '../../../src/providers/door-errors.ts';
import { corsHeaders, preflightHeaders } from '../../../src/providers/cors.ts';
import { StreamAssembly } from '../../../src/providers/stream-assembly.ts';
import { passedOnHeaders } from '../../../src/providers/upstream-headers.ts';
import { parseProviderEntry, type ProviderSpec } from '../../../src/providers/provider-spec.ts';
import { ConfigCheck } from '../../../src/config/check.ts';
import type { AttemptRecord, ChatChunk } from '../../../src/providers/types.ts';

// The pure decisions behind issue 15's door, as tables.

describe('checkSeam: does a continuation continue?', () => {
  it.each<[string, string, string, boolean, SeamVerdict]>([
    ['a real continuation', 'The sky is ', 'blue.', false, { kind: 'continues', skip: 0 }],
    ['an echo of the prefix, then more', 'The sky is ', 'The sky is blue.', false, { kind: 'continues', skip: 11 }],
    ['an echo still arriving', 'The sky is ', 'The sky', false, { kind: 'wait' }],
    ['nothing said yet', 'The sky is ', '', false, { kind: 'wait' }],
    ['ended with nothing new: the answer was whole', 'The sky is blue.', '', true, { kind: 'continues', skip: 0 }],
    ['a restart that diverges (the issue\'s "pong frompong")', 'The answer is fo', 'The answer is 42.', false, { kind: 'restarts' }],
    ['a restart with a leading space', 'Sure, here', ' Sure! Here it is', false, { kind: 'restarts' }],
    ['a restart that ended as a prefix of the answer', 'The answer is 42', 'The answer', true, { kind: 'restarts' }],
    ['opening with a different word is a continuation', 'It is ', 'raining.', false, { kind: 'continues', skip: 0 }],
  ])('%s', (_n, sent, cont, ended, want) => expect(checkSeam(sent, cont, ended)).toEqual(want));
});

describe('exhaustedCause', () => {
  const a = (outcome: AttemptRecord['outcome'], cause?: AttemptRecord['cause']): AttemptRecord => ({ provider: 'p', outcome, ms: 0, ...(cause ? { cause } : {}) });
  it.each<[string, AttemptRecord[], string]>([
    ['no attempt at all (nothing configured)', [], 'unavailable'],
    ['every provider rate limited (tried or resting)', [a('failover', 'rate_limit'), a('skipped', 'rate_limit')], 'rate_limit'],
    ['every provider found the prompt too long', [a('failover', 'context_length'), a('skipped', 'context_length')], 'context_length'],
    ['one outage among rate limits is an outage', [a('failover', 'rate_limit'), a('failover')], 'unavailable'],
    ['retries do not count, their last word does', [a('retry'), a('failover', 'rate_limit')], 'rate_limit'],
  ])('%s -> %s', (_n, attempts, want) => expect(exhaustedCause(attempts)).toBe(want));

  it('the error keeps NXS_ERR_PROVIDERS_EXHAUSTED (the assistant branches on it) and carries Retry-After in whole seconds', () => {
    const e = exhaustedError(new ChainExhausted([{ provider: 'alpha', outcome: 'failover', reason: 'rate limited (HTTP 429)', ms: 3, cause: 'rate_limit' }], 29_001));
    expect(e.code).toBe('NXS_ERR_PROVIDERS_EXHAUSTED');
    expect(e.details).toMatchObject({ cause: 'rate_limit', retryAfterSeconds: 30 });
    expect(e.message).toMatch(/rate limited \(alpha: rate limited \(HTTP 429\)\)/);
  });
});

describe('routeModel', () => {
  const check = new ConfigCheck();
  const spec = (name: string, entry: Record<string, unknown>, order: number): ProviderSpec => parseProviderEntry({ name, base_url: `http://127.0.0.1:9/${name}/v1`, ...entry }, name, check, { order, local: false });
  const alpha = spec('alpha', { model: 'a-model', models: { 'alias-a': 'a-model-id' } }, 0);
  const beta = spec('beta', { model: 'b-model' }, 1);
  const open = spec('open', {}, 2);
  const chain = [alpha, beta];
  const groups: ModelGroups = { fast: [{ provider: 'beta', model: undefined }, { provider: 'alpha', model: 'a-fast' }] };
  const route = (model: string | undefined, order = chain, all = chain) => {
    const r = routeModel(all, order, groups, model);
    return { providers: r.providers.map((p) => `${p.name}:${r.upstream(p)}`), whole: r.whole };
  };

  it.each<[string, string | undefined, string[], boolean]>([
    ['auto is the whole chain, each with its default', 'auto', ['alpha:a-model', 'beta:b-model'], true],
    ['no model is auto', undefined, ['alpha:a-model', 'beta:b-model'], true],
    ['a provider\'s default name goes only to it', 'b-model', ['beta:b-model'], false],
    ['an alias goes only to its provider, mapped', 'alias-a', ['alpha:a-model-id'], false],
    ['a group keeps its own order and models', 'fast', ['beta:b-model', 'alpha:a-fast'], false],
    ['a name nobody lists is the whole chain (the door refuses it first)', 'gpt-9', ['alpha:a-model', 'beta:b-model'], true],
  ])('%s', (_n, model, providers, whole) => expect(route(model)).toEqual({ providers, whole }));

  it('a listed name whose provider is left out (enabled_if) has nobody, rather than another provider', () => {
    expect(route('b-model', [alpha], chain)).toEqual({ providers: [], whole: false });
  });

  it('a provider with no model passes any name through', () => {
    expect(route('anything', [open], [open])).toEqual({ providers: ['open:anything'], whole: true });
  });

  it('lists auto, the groups, then each provider\'s names', () => {
    expect(listModels(chain, groups)).toEqual([
      { id: 'auto', owned_by: 'nxs' }, { id: 'fast', owned_by: 'nxs' }, { id: 'alias-a', owned_by: 'alpha' }, { id: 'a-model', owned_by: 'alpha' }, { id: 'b-model', owned_by: 'beta' },
    ]);
  });
});

describe('doorError', () => {
  const scrub = (t: string) => t.replaceAll('sk-secret', '[REDACTED]');
  it.each<[string, NxsError, number, string | null, string | null, Record<string, string>]>([
    ['an outage is a 503 with the NXS code and Retry-After', new NxsError('NXS_ERR_PROVIDERS_EXHAUSTED', 'down', { cause: 'unavailable', retryAfterSeconds: 12 }), 503, 'NXS_ERR_PROVIDERS_EXHAUSTED', null, { 'retry-after': '12' }],
    ['all rate limited is a 429 rate_limit_exceeded', new NxsError('NXS_ERR_PROVIDERS_EXHAUSTED', 'limited', { cause: 'rate_limit', retryAfterSeconds: 30 }), 429, 'rate_limit_exceeded', null, { 'retry-after': '30' }],
    ['too long for all is a 400 context_length_exceeded', new NxsError('NXS_ERR_PROVIDERS_EXHAUSTED', 'long', { cause: 'context_length' }), 400, 'context_length_exceeded', 'messages', {}],
    ['an upstream 4xx keeps its status, code, param and headers', new NxsError('NXS_ERR_PROVIDER_REJECTED', 'no', { upstream: { status: 422, code: 'unsupported_parameter', param: 'logit_bias', headers: { 'x-request-id': 'r1' } } }), 422, 'unsupported_parameter', 'logit_bias', { 'x-request-id': 'r1' }],
    ['an unknown model is model_not_found', new NxsError('NXS_ERR_LLM_MODEL_UNKNOWN', 'no such model', { param: 'model' }), 404, 'model_not_found', 'model', {}],
    ['a bad field keeps OpenAI\'s code and the param', new NxsError('NXS_ERR_LLM_BAD_REQUEST', 'bad', { param: 'messages', openaiCode: 'missing_required_parameter' }), 400, 'missing_required_parameter', 'messages', {}],
    ['anything else keeps its NXS code and status', new NxsError('NXS_ERR_STREAM_INCOMPLETE', 'cut'), 502, 'NXS_ERR_STREAM_INCOMPLETE', null, {}],
  ])('%s', (_n, err, status, code, param, headers) => {
    const a = doorError(err, scrub);
    expect(a.status).toBe(status);
    expect(a.body.error).toMatchObject({ code, param, message: err.message });
    expect(a.headers).toMatchObject({ 'x-nxs-error-code': err.code, ...headers });
  });

  it('scrubs the message', () => {
    expect(doorError(new NxsError('NXS_ERR_PROVIDER_REJECTED', 'alpha refused sk-secret'), scrub).body.error.message).toBe('alpha refused [REDACTED]');
  });
});

describe('cors', () => {
  it.each<[string, string | undefined, string[], string | null]>([
    ['none allowed (the default)', 'https://app.example', [], null],
    ['a listed origin', 'https://app.example', ['https://app.example'], 'https://app.example'],
    ['an unlisted origin', 'https://evil.example', ['https://app.example'], null],
    ['any origin with *', 'https://any.example', ['*'], 'https://any.example'],
    ['no origin (not a browser)', undefined, ['*'], null],
  ])('%s', (_n, origin, allowed, want) => expect(corsHeaders(origin, allowed)?.['access-control-allow-origin'] ?? null).toBe(want));

  it('a preflight grants the methods and the headers asked for', () => {
    expect(preflightHeaders('https://a.example', ['*'], 'GET, POST', 'authorization, x-custom')).toMatchObject({ 'access-control-allow-methods': 'GET, POST', 'access-control-allow-headers': 'authorization, x-custom', 'access-control-max-age': '600' });
  });
});

describe('StreamAssembly', () => {
  const chunk = (choices: ChatChunk['choices']): ChatChunk => ({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices });
  const head = { id: 'c1', created: 1, model: 'm' };

  it('keeps n=2 choices apart and builds them for the cache once both finished', () => {
    const s = new StreamAssembly();
    s.add(chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]));
    expect(s.started).toBe(false);
    s.add(chunk([{ index: 0, delta: { content: 'one ' }, finish_reason: null }]));
    s.add(chunk([{ index: 1, delta: { content: 'four ' }, finish_reason: null }]));
    s.add(chunk([{ index: 0, delta: { content: 'two' }, finish_reason: 'stop' }]));
    expect(s.started).toBe(true);
    expect(s.completion(head)).toBeNull();
    s.add(chunk([{ index: 1, delta: { content: 'five' }, finish_reason: 'length' }]));
    expect(s.completion(head)!.choices).toEqual([
      { index: 0, message: { role: 'assistant', content: 'one two' }, finish_reason: 'stop' },
      { index: 1, message: { role: 'assistant', content: 'four five' }, finish_reason: 'length' },
    ]);
  });

  it('a reasoning delta starts the answer; tool calls keep it out of the cache', () => {
    const s = new StreamAssembly();
    s.add(chunk([{ index: 0, delta: { reasoning_content: 'hmm' } as never, finish_reason: null }]));
    expect(s.started).toBe(true);
    s.add(chunk([{ index: 0, delta: { tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{}' } }] }, finish_reason: 'tool_calls' }]));
    expect(s.completion(head)).toBeNull();
  });
});

describe('passedOnHeaders', () => {
  it('passes on the request id and rate-limit figures, nothing else', () => {
    expect(passedOnHeaders({ 'x-request-id': 'r', 'x-ratelimit-remaining-tokens': '5', 'set-cookie': ['a'], server: 'x', 'x-ratelimit-reset-requests': ['1s', '2s'] })).toEqual({ 'x-request-id': 'r', 'x-ratelimit-remaining-tokens': '5', 'x-ratelimit-reset-requests': '1s' });
  });
});
