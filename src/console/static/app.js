// The nxs console: plain DOM, no framework (a framework runtime would outweigh this whole file).
// Every value from the API goes in as text (textContent), never as HTML, and the CSP forbids inline
// script, so a string from a provider or a log line cannot run. The session is an HttpOnly cookie:
// nothing here ever holds a token.
'use strict';
(() => {
  const main = document.getElementById('main');
  const nav = document.getElementById('nav');
  const who = document.getElementById('who');
  const logoutButton = document.getElementById('logout');
  const banners = document.getElementById('banners');

  // ---- DOM helpers -------------------------------------------------------------------------
  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'class') el.className = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const kid of kids.flat()) if (kid !== undefined && kid !== null && kid !== false) el.append(kid instanceof Node ? kid : String(kid));
    return el;
  }
  const SVG = 'http://www.w3.org/2000/svg';
  function s(tag, attrs, ...kids) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
    for (const kid of kids) el.append(kid instanceof Node ? kid : String(kid));
    return el;
  }
  const when = (ms) => (ms ? new Date(ms).toLocaleString() : '—');
  const bytes = (n) => {
    if (n === null || n === undefined) return '—';
    const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return `${n.toFixed(i ? 1 : 0)} ${u[i]}`;
  };
  const pill = (text, tone) => h('span', { class: `pill ${tone || ''}` }, text);
  function table(headers, rows, empty) {
    if (rows.length === 0) return h('p', { class: 'muted' }, empty || 'Nothing here.');
    return h('div', { class: 'scroll' }, h('table', {},
      h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col', class: x.startsWith('~') ? 'hide-narrow' : null }, x.replace(/^~/, ''))))),
      h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c, i) => h('td', { class: headers[i].startsWith('~') ? 'hide-narrow' : null }, c)))))));
  }

  // ---- the API -----------------------------------------------------------------------------
  class ApiError extends Error {
    constructor(status, code, message) { super(message); this.status = status; this.code = code; }
  }
  async function api(method, path, body) {
    const init = { method, credentials: 'same-origin', headers: {} };
    if (body !== undefined) { init.headers['content-type'] = 'application/json'; init.body = JSON.stringify(body); }
    const res = await fetch(path, init);
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = text; }
    if (!res.ok) {
      const e = data && data.error;
      const message = (typeof e === 'string' ? e : e && e.message) || `HTTP ${res.status}`;
      // A session that ended (expired, revoked, logged out elsewhere) ends the console too.
      if (res.status === 401 && !path.startsWith('/api/console/login')) signedOut(message);
      throw new ApiError(res.status, res.headers.get('x-nxs-error-code'), message);
    }
    return data;
  }

  // A section that loads on its own: a refusal (403) or failure shows there, the rest of the page still works.
  // `out` sits outside what a reload replaces, so an action's message stays after the section reloads.
  function section(title, load) {
    const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
    const out = h('p', { class: 'notice', role: 'status' });
    const card = h('section', { class: 'card', 'aria-label': title }, h('h2', {}, title), out, body);
    const run = async () => {
      try {
        const content = await load(run, out);
        body.replaceChildren(...[content].flat(Infinity).filter((x) => x !== null && x !== undefined && x !== false));
      } catch (err) {
        body.replaceChildren(h('p', { class: 'notice bad', role: 'alert' }, err.message));
      }
    };
    card.loaded = run();
    card.reload = run;
    return card;
  }

  // A button that runs `fn`, disabled meanwhile, and says what came of it in `out` (or throws to it).
  function action(label, fn, opts = {}) {
    const b = h('button', { type: 'button', class: opts.class, 'aria-label': opts.aria });
    b.textContent = label;
    b.addEventListener('click', async () => {
      if (opts.confirm && b.dataset.armed !== '1') {
        b.dataset.armed = '1';
        b.textContent = opts.confirm;
        return;
      }
      b.dataset.armed = '';
      b.disabled = true;
      const out = opts.out || pageNotice;
      try {
        const said = await fn();
        out.className = 'notice';
        out.setAttribute('role', 'status');
        out.textContent = said || `${label}: done`;
        if (opts.after) await opts.after();
      } catch (err) {
        out.className = 'notice bad';
        out.setAttribute('role', 'alert');
        out.textContent = `${label}: ${err.message}`;
      } finally {
        b.disabled = false;
        b.textContent = label;
      }
    });
    return b;
  }
  let pageNotice = h('p', { class: 'notice' });

  // ---- pages -------------------------------------------------------------------------------
  const PAGES = [
    { id: 'overview', title: 'Overview', render: overview },
    { id: 'providers', title: 'Providers', render: providers },
    { id: 'chat', title: 'Chat', render: chat },
    { id: 'queue', title: 'Queue & tasks', render: queue },
    { id: 'doctor', title: 'Doctor', render: doctor },
    { id: 'agents', title: 'Agents', render: agents },
    { id: 'logs', title: 'Logs', render: logs },
    { id: 'config', title: 'Config', render: config },
  ];

  async function refreshBanners() {
    try {
      const r = await api('GET', '/readyz');
      const list = [];
      if (r.llm && r.llm.mode === 'emergency') list.push(['bad', 'Emergency mode: every LLM provider failed; answers come from the cache or are deferred until one is back.']);
      else if (r.llm && r.llm.mode === 'degraded') list.push(['warn', 'Degraded: the first providers of the chain are resting; a later one answers.']);
      if (r.assistant && r.assistant.survival) list.push(['bad', 'Survival mode: the assistant keeps messages and answers them when a provider is back.']);
      banners.replaceChildren(...list.map(([tone, text]) => h('div', { class: `banner ${tone}`, role: 'alert' }, text)));
    } catch {
      // /readyz answers 503 while starting or stopping: no banner is better than a wrong one.
    }
  }

  function chart(samples) {
    // T and B keep room for the labels, which grow on a narrow screen (app.css).
    const W = 600, H = 160, P = 48, T = 16, B = 26;
    const now = Date.now();
    const x = (at) => P + ((at - (now - 3600000)) / 3600000) * (W - P - 4);
    const y = (pct) => T + (1 - Math.max(0, Math.min(100, pct)) / 100) * (H - T - B);
    const line = (cls, pick) => {
      const pts = samples.filter((p) => pick(p) !== null).map((p) => `${x(p.at).toFixed(1)},${y(pick(p)).toFixed(1)}`);
      const g = s('g', { class: cls }, s('polyline', { class: cls, points: pts.join(' ') }));
      // The newest reading as a dot: a host that just started has one reading and no line yet.
      if (pts.length) {
        const [cx, cy] = pts[pts.length - 1].split(',');
        g.append(s('circle', { class: cls, cx, cy, r: 3.5 }));
      }
      return g;
    };
    const pct = (a, b) => (a === null || b === null || !b ? null : (a / b) * 100);
    const last = samples[samples.length - 1];
    const summary = last ? `CPU ${last.cpu_percent ?? '—'}%, memory ${pct(last.memory_used_bytes, last.memory_total_bytes).toFixed(0)}%, disk ${last.disk_total_bytes ? pct(last.disk_used_bytes, last.disk_total_bytes).toFixed(0) : '—'}% now` : 'no readings yet';
    const svg = s('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `CPU, memory and disk use over the last hour: ${summary}` },
      ...[0, 50, 100].map((v) => s('line', { class: 'grid-line', x1: P, x2: W, y1: y(v), y2: y(v) })),
      ...[0, 50, 100].map((v) => s('text', { x: 0, y: y(v) + 4 }, `${v}%`)),
      s('text', { x: P, y: H - 4 }, '−60 min'), s('text', { x: W, y: H - 4, 'text-anchor': 'end' }, 'now'),
      line('cpu', (p) => p.cpu_percent),
      line('mem', (p) => pct(p.memory_used_bytes, p.memory_total_bytes)),
      line('disk', (p) => pct(p.disk_used_bytes, p.disk_total_bytes)));
    return [svg, h('div', { class: 'legend' }, h('span', { class: 'cpu' }, '■ CPU'), h('span', { class: 'mem' }, '■ memory'), h('span', { class: 'disk' }, '■ disk'), h('span', { class: 'muted' }, summary))];
  }

  function overview() {
    const partsCard = (st) => {
      const rows = [];
      for (const [name, v] of Object.entries(st)) {
        if (!v || typeof v !== 'object' || Array.isArray(v) || name === 'detect') continue;
        const facts = Object.entries(v).filter(([, x]) => x === null || typeof x !== 'object').slice(0, 4);
        rows.push([name, h('span', { class: 'small' }, facts.map(([k, x]) => `${k} ${x}`).join(' · ') || 'running')]);
      }
      return table(['Part', 'State'], rows);
    };
    // One status read feeds three cards: the first screen costs the host one call per kind of data.
    const status = api('GET', '/api/status');
    status.catch(() => {});
    return [
      h('div', { class: 'grid' },
        section('Tier', async () => {
          const st = await status;
          const d = st.detect || {};
          return [
            h('p', {}, pill(st.tier, 'ok'), ' ', d.forced_tier ? `forced by config (detection chose ${d.detected_tier})`
              : st.tier !== d.detected_tier ? `changed since start (detection chose ${d.detected_tier}; the boot log says why)` : 'chosen by detection'),
            h('ul', { class: 'small' }, (d.reasons || []).map((r) => h('li', {}, r))),
            (d.warnings || []).map((w) => h('p', { class: 'notice bad' }, w)),
            d.memory_pressure ? h('p', { class: 'notice bad' }, 'Memory pressure right now.') : null,
            d.disk_low ? h('p', { class: 'notice bad' }, 'Disk is low: large work is refused.') : null,
          ];
        }),
        section('Host', async () => {
          const st = await status;
          return h('dl', { class: 'kv' },
            h('dt', {}, 'version'), h('dd', {}, st.version),
            h('dt', {}, 'up for'), h('dd', {}, `${Math.round(st.uptime_ms / 60000)} min`),
            h('dt', {}, 'pid'), h('dd', {}, st.pid),
            h('dt', {}, 'memory (RSS)'), h('dd', {}, bytes(st.memory_rss_bytes)),
            h('dt', {}, 'data folder'), h('dd', { class: 'mono' }, st.data_dir),
            h('dt', {}, 'boot'), h('dd', { class: 'mono' }, st.boot_id));
        })),
      section('CPU, memory and disk: last hour', async () => chart((await api('GET', '/api/console/resources')).samples)),
      section('Parts', async () => partsCard(await status)),
    ];
  }

  // Door usage (GET /api/providers/usage) per provider: requests and tokens over the window.
  function usageByProvider(rows) {
    const by = new Map();
    for (const r of rows) {
      const u = by.get(r.provider) || { requests: 0, tokens: 0 };
      u.requests += r.requests;
      u.tokens += r.prompt_tokens + r.completion_tokens;
      by.set(r.provider, u);
    }
    return by;
  }
  const USAGE_DAYS = 7;

  function providers() {
    return section('Fallback chain', async (reload, out) => {
      // Usage is a second read: when it fails the chain still shows, with the reason in place of the figures.
      const [r, usage] = await Promise.all([api('GET', '/api/providers'),
        api('GET', `/api/providers/usage?days=${USAGE_DAYS}`).then((u) => usageByProvider(u.rows), (err) => err)]);
      const usageCell = (name) => {
        if (usage instanceof Error) return h('span', { class: 'small muted' }, usage.message);
        const u = usage.get(name);
        return u ? h('span', {}, h('span', {}, `${u.requests} req`), h('br'), h('span', { class: 'small muted' }, `${u.tokens} tokens`)) : '—';
      };
      const rows = r.providers.map((p) => {
        const tone = p.available === 'usable' ? 'ok' : p.available === 'probe' ? 'warn' : 'bad';
        const l = p.latency;
        return [
          h('span', {}, h('strong', {}, p.name), h('br'), h('span', { class: 'small muted' }, p.model || '(default model)')),
          h('span', {}, pill(p.available, tone), h('br'), h('span', { class: 'small muted' }, `breaker ${p.state}, ${p.failures} failure(s)`)),
          p.open_until ? `until ${when(Date.parse(p.open_until))}` : '—',
          h('span', { class: 'small' }, p.last_error || '—'),
          l ? h('span', {}, h('span', { 'data-latency': p.name }, `${Math.round(l.p50_ms)} / ${Math.round(l.p95_ms)} ms`), h('br'), h('span', { class: 'small muted' }, `last ${l.samples} answer(s)`)) : h('span', { class: 'muted' }, 'no answers yet'),
          usageCell(p.name),
          h('div', { class: 'actions' },
            action('Test', async () => {
              const t = await api('POST', '/api/providers/test', { name: p.name });
              const res = { ...t.results[0], ms: Math.round(t.results[0].ms) };
              return `${p.name}: ${res.ok ? `answered in ${res.ms} ms` : `failed: ${res.error}`}`;
            }, { out, after: reload, aria: `Test ${p.name}` }),
            action('Reset cooldown', async () => {
              await api('POST', `/api/providers/${encodeURIComponent(p.name)}/reset`);
              return `${p.name}: cooldown reset; its breaker is closed and it is tried again`;
            }, { out, after: reload, aria: `Reset the cooldown of ${p.name}` })),
        ];
      });
      return [h('p', {}, 'Mode: ', pill(r.mode, r.mode === 'normal' ? 'ok' : 'bad')),
        table(['Provider', 'State', '~Cooldown', 'Last error', 'Latency p50 / p95', `~Door usage (${USAGE_DAYS} days)`, 'Actions'], rows, 'No provider is configured: the assistant answers in emergency mode.'),
        h('p', { class: 'small muted' }, 'Latency: the last answered calls through the chain (the assistant and the /v1 door; a stream until it opened). Usage: requests and tokens through the /v1 door.')];
    });
  }

  // One bubble for the reply of message `id`, following its stream until it is done.
  function replyBubble(m, cid) {
    const meta = h('span', { class: 'meta' });
    const text = h('span', { class: 'reply' });
    const bubble = h('div', { class: 'msg nxs', 'data-message': m.message_id }, meta, text);
    const setStatus = (status, error) => {
      // A reply deferred or answered after a deferral is news about the providers: the banners follow it.
      if (bubble.dataset.status !== undefined && bubble.dataset.status !== status && (status === 'deferred' || bubble.dataset.status === 'deferred')) void refreshBanners();
      bubble.dataset.status = status;
      meta.textContent = status === 'deferred'
        ? `deferred: ${error || 'no provider answers now'}; the reply fills in here when one is back`
        : status === 'answered' ? (m.cached ? 'answered (from the cache)' : 'answered') : status;
    };
    setStatus(m.status, m.error);
    if (m.reply) text.textContent = m.reply;
    if (m.status === 'answered' || m.status === 'failed' || m.status === 'ignored') return bubble;
    const es = new EventSource(`/api/messages/${m.message_id}/stream`);
    closers.push(() => es.close());
    es.addEventListener('status', (e) => setStatus(JSON.parse(e.data).status));
    es.addEventListener('delta', (e) => { text.textContent += JSON.parse(e.data).text; });
    es.addEventListener('done', (e) => {
      const d = JSON.parse(e.data);
      m.cached = d.cached;
      if (d.reply !== null) text.textContent = d.reply;
      setStatus(d.status, d.error);
      es.close();
    });
    es.onerror = () => {
      // The host went away or the session ended: stop rather than reconnect forever.
      if (es.readyState === EventSource.CLOSED || bubble.dataset.status !== 'deferred') es.close();
    };
    void cid;
    return bubble;
  }

  function chat() {
    return section('Main conversation', async () => {
      const conv = await api('GET', '/api/console/conversation');
      const cid = conv.conversation_id;
      if (!cid) return h('p', { class: 'muted' }, 'The assistant is not running on this host.');
      const log = h('div', { class: 'chat', 'aria-live': 'polite', 'aria-label': 'Messages' });
      for (const m of conv.messages) log.append(h('div', { class: 'msg you' }, m.text), replyBubble(m, cid));
      const input = h('textarea', { id: 'chat-text', name: 'text', required: true, placeholder: 'Write to the assistant…' });
      const out = h('p', { class: 'notice', role: 'status' });
      const form = h('form', { 'aria-label': 'Send a message' },
        h('label', { for: 'chat-text' }, 'Message'), input,
        h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Send')), out);
      input.addEventListener('keydown', (e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) form.requestSubmit(); });
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const text = input.value.trim();
        if (!text) return;
        out.textContent = '';
        out.className = 'notice';
        try {
          const r = await api('POST', '/api/messages', { conversation_id: cid, text });
          input.value = '';
          log.append(h('div', { class: 'msg you' }, text), replyBubble({ message_id: r.message_id, status: r.status, reply: null, error: null }, cid));
        } catch (err) {
          out.className = 'notice bad';
          out.textContent = err.message;
        }
      });
      return [log, form];
    });
  }

  function queue() {
    return [
      section('Queues', async () => {
        const r = await api('GET', '/api/queue/stats');
        return [table(['Queue', 'Queued', 'Running', '~Delayed', 'Dead', '~Done'], Object.entries(r.queues).map(([q, c]) => [q, c.queued, c.running, c.delayed, c.dead ? pill(String(c.dead), 'bad') : 0, c.done])),
          h('p', { class: 'small muted' }, `${r.running} running now`)];
      }),
      section('Dead jobs', async (reload, out) => {
        const r = await api('GET', '/api/queue/jobs?state=dead&limit=50');
        return [
          r.jobs.length ? h('div', { class: 'actions' }, action('Purge dead jobs', async () => `purged ${(await api('POST', '/api/queue/purge-dead', {})).purged} job(s)`, { out, after: reload, class: 'danger', confirm: 'Really purge?' })) : null,
          table(['Job', 'Queue', 'Error', 'Attempts', 'Actions'], r.jobs.map((j) => [String(j.id), j.queue, h('span', { class: 'small' }, j.lastError || j.last_error || j.error || '—'), String(j.attempts ?? '—'),
            action('Retry', async () => { await api('POST', `/api/queue/jobs/${j.id}/retry`); return `job ${j.id} queued again`; }, { out, after: reload, aria: `Retry job ${j.id}` })]), 'No dead jobs.')];
      }),
      section('Scheduled tasks', async (reload, out) => {
        const r = await api('GET', '/api/tasks');
        return [table(['Task', 'Schedule', 'Next run', '~Last run', 'Actions'], r.tasks.map((t) => [t.name, h('span', { class: 'mono' }, t.schedule), t.next_run ? when(Date.parse(t.next_run)) : '—', t.last_run ? when(Date.parse(t.last_run)) : '—',
          action('Run now', async () => { await api('POST', `/api/tasks/${encodeURIComponent(t.name)}/run`); return `task ${t.name} queued`; }, { out, after: reload, aria: `Run ${t.name} now` })]), 'No scheduled tasks.')];
      }),
    ];
  }

  function doctor() {
    const recent = section('Recent diagnoses', async () => {
      const r = await api('GET', '/api/doctor/diagnoses');
      return table(['When', 'Summary', 'Status', '~Result'], r.diagnoses.slice(-20).reverse().map((d) => [when(d.created_at), d.summary, pill(d.status, d.status === 'failed' ? 'bad' : d.status === 'pending' ? 'warn' : 'ok'), h('span', { class: 'small' }, d.result || '—')]), 'No diagnoses yet.');
    });
    return [
      section('Waiting for approval', async (reload, out) => {
        const both = async () => { await reload(); await recent.reload(); };
        const r = await api('GET', '/api/doctor/diagnoses?status=pending');
        return [r.diagnoses.length === 0 ? h('p', { class: 'muted' }, 'Nothing waits for approval.') : r.diagnoses.map((d) => h('article', { class: 'card', 'data-diagnosis': d.id },
          h('p', {}, pill(d.severity, d.severity === 'critical' ? 'bad' : 'warn'), ' ', h('strong', {}, d.summary)),
          h('p', { class: 'small muted' }, `rule ${d.rule} · ${d.subject} · fix ${d.fix.kind} · ${when(d.created_at)}`),
          h('div', { class: 'actions' },
            action('Approve', async () => `${d.id}: ${(await api('POST', `/api/doctor/diagnoses/${encodeURIComponent(d.id)}/approve`)).status}`, { out, after: both, class: 'primary', aria: `Approve: ${d.summary}` }),
            action('Deny', async () => `${d.id}: ${(await api('POST', `/api/doctor/diagnoses/${encodeURIComponent(d.id)}/deny`)).status}`, { out, after: both, aria: `Deny: ${d.summary}` }))))];
      }),
      recent,
    ];
  }

  function agents() {
    return [
      section('Agents', async (reload, out) => {
        const r = await api('GET', '/api/agents');
        return [table(['Agent', 'State', '~Runtime', 'Restarts', 'Actions'], r.agents.map((a) => [
          h('span', {}, h('strong', {}, a.name), h('span', { class: 'small muted' }, ` #${a.agent_id}`)),
          pill(a.state, a.state === 'running' ? 'ok' : 'warn'), a.runtime, String(a.restarts),
          h('div', { class: 'actions' },
            action('Restart', async () => { await api('POST', `/api/agents/${a.agent_id}/restart`); return `${a.name} restarting`; }, { out, after: reload, aria: `Restart ${a.name}` }),
            action('Checkpoint', async () => `checkpoint ${(await api('POST', `/api/agents/${a.agent_id}/checkpoint`)).checkpoint_id} created`, { out, aria: `Checkpoint ${a.name}` }),
            action('Kill', async () => { await api('DELETE', `/api/agents/${a.agent_id}`); return `${a.name} killed`; }, { out, after: reload, class: 'danger', confirm: 'Really kill?', aria: `Kill ${a.name}` })),
        ]), 'No agents.')];
      }),
      section('Checkpoints', async (reload, out) => {
        const r = await api('GET', '/api/checkpoints');
        return [
          h('div', { class: 'actions' }, action('Checkpoint the host', async () => `checkpoint ${(await api('POST', '/api/checkpoints/host')).checkpoint_id} created`, { out, after: reload })),
          table(['Checkpoint', 'Kind', '~Agent', 'Created', 'Actions'], r.checkpoints.map((c) => [h('span', { class: 'mono small' }, c.checkpoint_id), c.kind, c.agent_id ?? '—', when(c.created_at),
            action('Verify', async () => {
              const v = await api('GET', `/api/checkpoints/${encodeURIComponent(c.checkpoint_id)}/verify`);
              return `${c.checkpoint_id}: ${v.ok === false || v.valid === false ? 'NOT valid' : 'verified'}${v.reason ? ` (${v.reason})` : ''}`;
            }, { out, aria: `Verify checkpoint ${c.checkpoint_id}` })]), 'No checkpoints yet.')];
      }),
    ];
  }

  const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
  const LEVEL_NAME = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
  function logs() {
    const list = h('ol', { class: 'log', 'aria-label': 'Log lines', tabindex: '0' });
    const select = h('select', { id: 'log-level' }, LEVELS.map((l) => h('option', { value: l, selected: l === 'info' }, l)));
    const state = h('p', { class: 'small muted', role: 'status' });
    let es = null;
    const follow = () => {
      if (es) es.close();
      list.replaceChildren();
      es = new EventSource(`/api/console/logs?follow=1&level=${encodeURIComponent(select.value)}`);
      state.textContent = `following the host's log at ${select.value} and above`;
      es.addEventListener('line', (e) => {
        let o;
        try { o = JSON.parse(e.data); } catch { o = { msg: e.data }; }
        const { level, time, msg, pid, hostname, ...rest } = o;
        void pid; void hostname;
        const name = LEVEL_NAME[level] || 'info';
        const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
        const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 8;
        list.append(h('li', { 'data-level': name }, h('span', { class: 'muted' }, time ? new Date(time).toLocaleTimeString() : ''), ' ',
          h('span', { class: `lv ${level >= 50 ? 'bad' : level >= 40 ? 'warn' : ''}` }, name), ' ', msg || '', extra));
        while (list.childElementCount > 500) list.firstElementChild.remove();
        if (atBottom) list.scrollTop = list.scrollHeight;
      });
      es.onerror = () => {
        state.textContent = 'the log stream stopped (the host stopped, or the session ended)';
        es.close();
      };
    };
    select.addEventListener('change', follow);
    closers.push(() => es && es.close());
    const card = h('section', { class: 'card', 'aria-label': 'Live log' }, h('h2', {}, 'Live log'),
      h('div', { class: 'actions' }, h('label', { for: 'log-level' }, 'Level'), select), state, list);
    // Only this page opens a stream: an idle console costs the host nothing else.
    api('GET', '/api/console/session').then((me) => {
      if (me.capabilities.includes('ADMIN')) follow();
      else list.replaceWith(h('p', { class: 'notice bad', role: 'alert' }, 'Insufficient capabilities: ADMIN required'));
    }).catch(() => {});
    return card;
  }

  function config() {
    return [
      section('Effective config (secrets masked)', async () => h('pre', { tabindex: '0', 'aria-label': 'Effective config' }, JSON.stringify((await api('GET', '/api/console/config')).config, null, 2))),
      section('Console sessions', async (reload, out) => {
        const r = await api('GET', '/api/console/sessions');
        return [table(['Session', 'Capabilities', '~Signed in', 'Expires', 'Actions'], r.sessions.map((x) => [h('span', { class: 'mono small' }, x.id), x.capabilities.join(', '), when(Date.parse(x.created_at)), when(Date.parse(x.expires_at)),
          action('Revoke', async () => { await api('DELETE', `/api/console/sessions/${x.id}`); return `session ${x.id} revoked`; }, { out, after: reload, class: 'danger', aria: `Revoke session ${x.id}` })]))];
      }),
    ];
  }

  // ---- navigation --------------------------------------------------------------------------
  let closers = [];
  function route() {
    const id = location.hash.replace(/^#\//, '');
    return PAGES.find((p) => p.id === id) || null;
  }
  function show() {
    const page = route();
    if (!page) {
      if (!location.hash.startsWith('#/')) return; // the skip link and other in-page anchors
      location.replace('#/overview');
      return;
    }
    for (const c of closers) c();
    closers = [];
    for (const a of nav.querySelectorAll('a')) {
      if (a.dataset.page === page.id) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    pageNotice = h('p', { class: 'notice', role: 'status' });
    const title = h('h1', { tabindex: '-1' }, page.title);
    main.replaceChildren(title, pageNotice, ...[page.render()].flat(Infinity));
    document.title = `${page.title} · nxs console`;
    title.focus();
    void refreshBanners();
  }

  function signedOut(message) {
    for (const c of closers) c();
    closers = [];
    nav.hidden = true;
    logoutButton.hidden = true;
    who.textContent = '';
    banners.replaceChildren();
    const title = h('h1', { tabindex: '-1' }, 'Signed out');
    main.replaceChildren(title,
      message ? h('p', { class: 'notice bad', role: 'alert', id: 'signin-error' }, message) : null,
      h('p', {}, 'To sign in, run ', h('code', {}, 'nxs console'), ' on the host (add ', h('code', {}, '--open'), ' to open a browser there) and open the link it prints. A link works once, within a minute.'));
    document.title = 'Signed out · nxs console';
    title.focus();
  }

  async function start() {
    let me = null;
    if (location.pathname === '/login') {
      const code = location.hash.slice(1);
      // The code must not stay in the address bar or the history.
      history.replaceState(null, '', '/login');
      if (!code) return signedOut('This login link has no code. Run nxs console for a new one.');
      try {
        me = await api('POST', '/api/console/login', { code });
      } catch (err) {
        return signedOut(err.message);
      }
      history.replaceState(null, '', '/#/overview');
    }
    try {
      me ??= await api('GET', '/api/console/session');
    } catch (err) {
      return signedOut(err.status === 401 ? 'You are not signed in.' : err.message);
    }
    who.textContent = `${me.principal} · ${me.capabilities.includes('ADMIN') ? 'ADMIN' : me.capabilities.join(', ')}`;
    nav.replaceChildren(...PAGES.map((p) => h('a', { href: `#/${p.id}`, 'data-page': p.id }, p.title)));
    nav.hidden = false;
    logoutButton.hidden = false;
    window.addEventListener('hashchange', show);
    if (!route()) history.replaceState(null, '', '/#/overview');
    show();
    // When the first page's data is on screen: the e2e test reads this mark for the time to a usable console.
    void Promise.all([...main.querySelectorAll('section')].map((c) => c.loaded)).then(() => performance.mark('nxs:first-screen'));
  }

  logoutButton.addEventListener('click', async () => {
    try { await api('POST', '/api/console/logout'); } catch { /* signed out either way */ }
    window.removeEventListener('hashchange', show);
    signedOut('');
    main.querySelector('h1').textContent = 'Logged out';
  });
  // A new link opened in a tab already at /login changes only the fragment: sign in with it.
  window.addEventListener('hashchange', () => {
    if (location.pathname === '/login') location.reload();
  });
  document.querySelector('.skip').addEventListener('click', (e) => { e.preventDefault(); main.focus(); });
  void start();
})();
