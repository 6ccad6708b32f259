// The console page: no framework, no build step. Every value from the PBX is put in the page as
// text (textContent), never as HTML.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const TOKEN_KEY = 'console-token';
  const FEED_MAX = 200;
  const HISTORY_PAGE = 25;
  // The service sends a keep-alive comment every 15 s; a stream silent for longer is dead.
  const STREAM_SILENCE_MS = 40000;

  const state = {
    token: sessionStorage.getItem(TOKEN_KEY) || '',
    info: null,
    skewMs: 0,
    calls: new Map(),
    extensions: new Map(),
    health: null,
    historyPage: 0,
    settings: null,
    streamUp: false,
    started: false,
  };

  // A token handed over in the address (#token=…) never reaches the server or a Referer.
  if (location.hash.startsWith('#token=')) {
    state.token = decodeURIComponent(location.hash.slice('#token='.length));
    sessionStorage.setItem(TOKEN_KEY, state.token);
    history.replaceState(null, '', location.pathname + location.search);
  }

  const serverNow = () => Date.now() + state.skewMs;
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  function authHeaders(extra) {
    const headers = Object.assign({}, extra || {});
    if (state.token) headers.Authorization = 'Bearer ' + state.token;
    return headers;
  }

  // One API call; never throws. `status` 0 means the service could not be reached.
  async function api(method, path, body) {
    const init = { method, headers: authHeaders(), cache: 'no-store' };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (e) {
      return { ok: false, status: 0, data: { error: 'the service cannot be reached' } };
    }
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    if (res.status === 401) askToken('The token was refused.');
    return { ok: res.ok, status: res.status, data };
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else if (k.startsWith('data-')) node.setAttribute(k, v);
      else node[k] = v;
    }
    for (const c of children) {
      if (c !== null && c !== undefined) node.append(c);
    }
    return node;
  }

  function setResult(node, text, ok) {
    node.textContent = text || '';
    node.classList.toggle('ok', ok === true);
    node.classList.toggle('bad', ok === false);
  }

  const pad = (n) => String(n).padStart(2, '0');
  function clock(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
  }
  function localTime(iso) {
    const d = new Date(iso);
    return isNaN(d) ? '' : d.toLocaleTimeString();
  }
  function localDateTime(iso) {
    const d = new Date(iso);
    return isNaN(d) ? '' : `${d.toLocaleDateString()} ${d.toLocaleTimeString()}`;
  }
  const party = (number, name) => (name && name !== number ? `${number || '?'} (${name})` : number || '?');

  // ---- token -------------------------------------------------------------------------------

  function askToken(message) {
    stopStream();
    $('app').hidden = true;
    $('token-form').hidden = false;
    const err = $('token-error');
    err.textContent = message || '';
    err.hidden = !message;
    $('token-input').focus();
  }

  $('token-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    state.token = $('token-input').value.trim();
    sessionStorage.setItem(TOKEN_KEY, state.token);
    $('token-form').hidden = true;
    start();
  });

  // ---- tabs --------------------------------------------------------------------------------

  function showView(name) {
    for (const b of document.querySelectorAll('#tabs button')) {
      b.setAttribute('aria-selected', String(b.dataset.view === name));
    }
    for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== `view-${name}`;
    if (name === 'history') loadHistory();
    if (name === 'settings') loadSettings();
  }
  for (const b of document.querySelectorAll('#tabs button')) {
    b.addEventListener('click', () => showView(b.dataset.view));
  }
  const currentView = () => document.querySelector('#tabs button[aria-selected="true"]').dataset.view;

  // ---- connection status -------------------------------------------------------------------

  function setStream(up) {
    state.streamUp = up;
    const pill = $('stream-status');
    pill.textContent = up ? 'service: live' : 'service: reconnecting…';
    pill.className = 'pill ' + (up ? 'pill-ok' : 'pill-wait');
    const banner = $('stream-banner');
    banner.hidden = up;
    banner.textContent = up ? '' : 'The service cannot be reached; reconnecting…';
  }

  function setPbx(status) {
    state.health = Object.assign({}, state.health || {}, status);
    const h = state.health;
    const pill = $('pbx-status');
    pill.dataset.connected = String(!!h.connected);
    const banner = $('banner');
    if (h.connected) {
      pill.textContent = 'PBX: connected';
      pill.className = 'pill pill-ok';
      banner.hidden = true;
      banner.textContent = '';
      return;
    }
    pill.textContent = h.restarting ? 'PBX: restarting…' : 'PBX: disconnected';
    pill.className = 'pill ' + (h.restarting ? 'pill-wait' : 'pill-bad');
    let text;
    if (h.restarting) {
      text = `Restarting the PBX connection${h.pbx ? ' to ' + h.pbx : ''} with the new settings…`;
    } else {
      text = `PBX connection down${h.pbx ? ' (' + h.pbx + ')' : ''}: ${h.last_error || 'not connected yet'}.`;
      if (h.login_refused) text += ' The PBX refused the login: check the AMI user and password in Settings.';
      if (typeof h.retry_in_s === 'number') text += h.retry_in_s > 0 ? ` Retrying in ${h.retry_in_s} s.` : ' Retrying now.';
    }
    banner.textContent = text;
    banner.hidden = false;
  }

  // ---- event stream (fetch: EventSource cannot send the Authorization header) --------------

  let streamAbort = null;
  let streamGeneration = 0;

  function stopStream() {
    streamGeneration += 1;
    if (streamAbort) streamAbort.abort();
    streamAbort = null;
  }

  async function runStream() {
    const generation = ++streamGeneration;
    let delay = 500;
    while (generation === streamGeneration) {
      const abort = new AbortController();
      streamAbort = abort;
      let lastActivity = Date.now();
      const watchdog = setInterval(() => {
        if (Date.now() - lastActivity > STREAM_SILENCE_MS) abort.abort();
      }, 5000);
      try {
        const res = await fetch('/events', { headers: authHeaders(), cache: 'no-store', signal: abort.signal });
        if (res.status === 401) {
          clearInterval(watchdog);
          askToken('The token was refused.');
          return;
        }
        if (res.ok && res.body) {
          const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
          let buffer = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            lastActivity = Date.now();
            buffer += value.replace(/\r\n/g, '\n');
            let end;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              const block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const data = block.split('\n').filter((l) => l.startsWith('data:'))
                .map((l) => l.slice(5).replace(/^ /, '')).join('\n');
              if (!data) continue;
              if (!state.streamUp) setStream(true);
              delay = 500;
              let event = null;
              try { event = JSON.parse(data); } catch (e) { event = null; }
              if (event) onEvent(event);
            }
          }
        }
      } catch (e) {
        // The service went away or the watchdog aborted: reconnect below.
      }
      clearInterval(watchdog);
      if (generation !== streamGeneration) return;
      setStream(false);
      await sleep(delay);
      delay = Math.min(delay * 2, 10000);
    }
  }

  function onEvent(e) {
    switch (e.type) {
      case 'hello':
        if (e.now) state.skewMs = Date.parse(e.now) - Date.now();
        applyInfo(e);
        loadSnapshot();
        break;
      case 'lagged':
        addFeed(`missed ${e.missed} events; reloading`);
        loadSnapshot();
        break;
      case 'connection':
        setPbx(e);
        if (!e.synced) addFeed(connectionText(e), e.ts);
        if (e.connected) loadSnapshot();
        break;
      case 'call':
        applyCallEvent(e);
        addFeed(callText(e), e.ts);
        break;
      case 'completed':
        if (currentView() === 'history') loadHistorySoon();
        break;
      case 'extension':
        state.extensions.set(e.extension, { status: e.status, registered: e.registered });
        renderExtensions();
        addFeed(`extension ${e.extension}: ${statusLabel(e.status)}${e.registered === false ? ' (not registered)' : ''}`, e.ts);
        break;
      case 'registration':
        addFeed(`account ${e.account}: ${e.state}${e.reason ? ' — ' + e.reason : ''}`, e.ts);
        break;
      default:
        break;
    }
  }

  function connectionText(e) {
    if (e.connected) return `PBX connected${e.version ? ' (AMI ' + e.version + ')' : ''}`;
    if (e.restarting) return 'PBX connection restarting with new settings';
    return `PBX connection down: ${e.last_error || 'not connected'}`;
  }

  function callText(e) {
    let text = `${e.event}: ${party(e.from, e.from_name)} → ${e.to || '?'}`;
    if (e.event === 'transferred' && e.target) text += ` (to ${e.target})`;
    if (e.event === 'answered' && e.answered_by) text += ` by ${e.answered_by}`;
    if (e.event === 'ended') {
      text += ` — ${e.cause_text || 'ended'}`;
      if (e.duration_s !== undefined) text += `, ${clock(e.duration_s)}`;
    }
    return text;
  }

  function addFeed(text, ts) {
    const feed = $('feed');
    const when = ts ? new Date(ts) : new Date(serverNow());
    feed.prepend(el('li', {}, el('time', { text: when.toLocaleTimeString() }), text));
    while (feed.children.length > FEED_MAX) feed.lastChild.remove();
  }

  // ---- live calls --------------------------------------------------------------------------

  function applyCallEvent(e) {
    if (e.event === 'ended') {
      state.calls.delete(e.call_id);
      renderCalls();
      return;
    }
    const at = Date.parse(e.ts) || serverNow();
    const call = state.calls.get(e.call_id) || { id: e.call_id, started: at, answered: null, state: 'setup' };
    call.direction = e.direction;
    call.from = e.from;
    call.from_name = e.from_name;
    call.to = e.to;
    if (e.event === 'ringing') call.state = 'ringing';
    if (e.event === 'answered') { call.state = 'answered'; if (!call.answered) call.answered = at; }
    if (e.event === 'held') call.state = 'on_hold';
    if (e.event === 'resumed') call.state = 'answered';
    if (e.event === 'transferred') { call.state = 'transferred'; if (e.target) call.to = e.target; }
    state.calls.set(e.call_id, call);
    renderCalls();
  }

  const STATE_LABELS = {
    setup: 'setting up', ringing: 'ringing', answered: 'answered', on_hold: 'on hold',
    transferred: 'transferred', ended: 'ended',
  };

  // The softphone's own call (softphone.js), shown until the service reports a call of its
  // extension (through the PBX) so the same call is not listed twice.
  function localCallShown() {
    const local = state.localCall;
    if (!local) return null;
    for (const c of state.calls.values()) {
      if (c.from === local.extension || c.to === local.extension) return null;
    }
    return local;
  }

  function renderCalls() {
    const body = document.querySelector('#calls tbody');
    const calls = [...state.calls.values()].sort((a, b) => a.started - b.started);
    const local = localCallShown();
    if (local) calls.push(local);
    body.replaceChildren(...calls.map((c) => {
      const hang = state.info && state.info.hangup && !c.local
        ? el('button', { type: 'button', class: 'danger hangup', text: 'Hang up', 'data-call-id': c.id })
        : null;
      return el('tr', { 'data-call-id': c.id, 'data-state': c.state, class: c.local ? 'calls-local' : '' },
        el('td', { text: c.direction || '' }),
        el('td', { text: party(c.from, c.from_name) }),
        el('td', { text: c.to || '?' }),
        el('td', {}, el('span', { class: `state-tag state-${c.state}`, text: STATE_LABELS[c.state] || c.state })),
        el('td', { class: 'duration', 'data-started': String(c.started), 'data-answered': c.answered ? String(c.answered) : '' }),
        el('td', {}, hang));
    }));
    $('calls-count').textContent = String(calls.length);
    $('calls-empty').hidden = calls.length > 0;
    tick();
  }

  function tick() {
    const now = serverNow();
    for (const cell of document.querySelectorAll('#calls td.duration')) {
      const started = Number(cell.dataset.started);
      const answered = Number(cell.dataset.answered);
      let text = clock((now - started) / 1000);
      if (answered) text += ` · talk ${clock((now - answered) / 1000)}`;
      cell.textContent = text;
    }
  }

  document.querySelector('#calls tbody').addEventListener('click', async (ev) => {
    const button = ev.target.closest('button.hangup');
    if (!button) return;
    const id = button.dataset.callId;
    button.disabled = true;
    const r = await api('DELETE', `/calls/${encodeURIComponent(id)}`);
    if (r.ok) {
      setResult($('hangup-result'), `Hung up ${(r.data && r.data.hung_up || []).length} channel(s) of call ${id}.`, true);
    } else {
      setResult($('hangup-result'), `Hang-up refused: ${errorText(r)}`, false);
      button.disabled = false;
    }
  });

  // ---- extensions --------------------------------------------------------------------------

  const STATUS_LABELS = {
    idle: 'idle', ringing: 'ringing', in_use: 'in use', in_use_ringing: 'in use, ringing',
    busy: 'busy', on_hold: 'on hold', unavailable: 'unavailable', unknown: 'unknown',
  };
  const statusLabel = (s) => STATUS_LABELS[s] || s;

  function sortedExtensions() {
    return [...state.extensions.entries()].sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }));
  }

  function renderExtensions() {
    const list = sortedExtensions();
    $('extensions').replaceChildren(...list.map(([ext, s]) => el('div',
      { class: `ext st-${s.status}`, 'data-extension': ext, 'data-status': s.status, 'data-registered': String(s.registered) },
      el('div', { class: 'num', text: ext }),
      el('div', { class: 'state', text: statusLabel(s.status) }),
      el('div', { class: 'reg', text: s.registered === true ? 'registered' : s.registered === false ? 'not registered' : 'registration unknown' }))));
    $('extensions-empty').hidden = list.length > 0;
    const select = $('call-from');
    const chosen = select.value;
    select.replaceChildren(...list.map(([ext, s]) => el('option',
      { value: ext, text: s.registered === false ? `${ext} (not registered)` : ext })));
    if (chosen && state.extensions.has(chosen)) select.value = chosen;
  }

  // ---- snapshot ----------------------------------------------------------------------------

  let snapshotRunning = null;
  function loadSnapshot() {
    // Coalesces the bursts (hello, connected, synced) into one reload at a time.
    if (snapshotRunning) { snapshotRunning.again = true; return; }
    snapshotRunning = { again: false };
    (async () => {
      do {
        snapshotRunning.again = false;
        const [health, calls, extensions] = await Promise.all([
          api('GET', '/health'), api('GET', '/calls'), api('GET', '/extensions')]);
        if (health.ok && health.data) setPbx(Object.assign({ restarting: false }, health.data));
        if (calls.ok && Array.isArray(calls.data)) {
          state.calls = new Map(calls.data.filter((c) => c.state !== 'ended').map((c) => [c.id, {
            id: c.id, direction: c.direction, from: c.from_number, from_name: c.from_name, to: c.to,
            state: c.state, started: Date.parse(c.started_at) || serverNow(),
            answered: c.answered_at ? Date.parse(c.answered_at) : null,
          }]));
          renderCalls();
        }
        if (extensions.ok && Array.isArray(extensions.data)) {
          state.extensions = new Map(extensions.data.map((x) => [x.extension, { status: x.status, registered: x.registered }]));
          renderExtensions();
        }
      } while (snapshotRunning.again);
      snapshotRunning = null;
    })();
  }

  // ---- click-to-call -----------------------------------------------------------------------

  function errorText(r) {
    const d = r.data || {};
    if (r.status === 0) return 'the service cannot be reached';
    if (d.reason_text) return `${d.error || 'refused'}: ${d.reason_text}`;
    if (d.reason !== undefined && d.reason !== null) return `${d.error || 'refused'} (reason ${d.reason})`;
    return d.error || `HTTP ${r.status}`;
  }

  $('call-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const from = $('call-from').value;
    const to = $('call-to').value.trim();
    const result = $('call-result');
    if (!from) return setResult(result, 'Choose the extension to ring first.', false);
    if (!/^[0-9A-Za-z+*#._-]{1,64}$/.test(to)) {
      return setResult(result, 'The number may hold digits, letters and + * # . _ - only.', false);
    }
    const button = $('call-button');
    button.disabled = true;
    setResult(result, `Ringing ${from}; ${to} is dialled once it answers…`);
    const r = await api('POST', '/calls', { from, to });
    button.disabled = false;
    if (r.ok) setResult(result, `${from} answered; calling ${to}.`, true);
    else setResult(result, `Call not placed: ${errorText(r)}`, false);
  });

  // ---- history -----------------------------------------------------------------------------

  const DISPOSITIONS = {
    answered: ['Answered', 'disp-answered'],
    no_answer: ['Missed — no answer', 'disp-missed'],
    abandoned: ['Missed — caller gave up', 'disp-missed'],
    busy: ['Busy', 'disp-busy'],
    failed: ['Failed', 'disp-failed'],
    congestion: ['Congestion', 'disp-failed'],
    unknown: ['Unknown', 'disp-failed'],
  };

  function historyQuery() {
    const params = new URLSearchParams();
    const since = $('history-since').value;
    const until = $('history-until').value;
    // Local days: from the start of the first to the end of the last.
    if (since) params.set('since', String(Math.floor(new Date(`${since}T00:00:00`).getTime() / 1000)));
    if (until) {
      const end = new Date(`${until}T00:00:00`);
      end.setDate(end.getDate() + 1);
      params.set('until', String(Math.floor(end.getTime() / 1000)));
    }
    const ext = $('history-extension').value.trim();
    const number = $('history-number').value.trim();
    if (ext) params.set('extension', ext);
    if (number) params.set('number', number);
    params.set('limit', String(HISTORY_PAGE + 1));
    params.set('offset', String(state.historyPage * HISTORY_PAGE));
    return params;
  }

  let historySeq = 0;
  async function loadHistory() {
    const seq = ++historySeq;
    const r = await api('GET', `/calls/history?${historyQuery()}`);
    if (seq !== historySeq) return;
    const err = $('history-error');
    if (!r.ok || !Array.isArray(r.data)) {
      err.textContent = `History unavailable: ${errorText(r)}`;
      err.hidden = false;
      return;
    }
    err.hidden = true;
    const more = r.data.length > HISTORY_PAGE;
    const records = r.data.slice(0, HISTORY_PAGE);
    const recordings = !!(state.info && state.info.recordings);
    const counts = { answered: 0, missed: 0, busy: 0, failed: 0 };
    document.querySelector('#history tbody').replaceChildren(...records.map((c) => {
      const [label, cls] = DISPOSITIONS[c.disposition] || [c.disposition, 'disp-failed'];
      counts[cls.slice(5)] += 1;
      const transfers = el('td', {}, ...(c.transfers || []).map((t) => el('span', {
        class: 'transfer',
        text: `${t.kind} transfer${t.by ? ' by ' + t.by : ''} → ${t.target || '?'}`,
      })));
      if (c.connected_to && (c.transfers || []).length) {
        transfers.append(el('span', { class: 'transfer muted', text: `ended with ${c.connected_to}` }));
      }
      let rec = null;
      if (recordings && c.recording) {
        rec = el('button', { type: 'button', class: 'secondary play', text: 'Play', 'data-recording': c.recording });
      }
      return el('tr', { 'data-call-id': c.call_id, 'data-disposition': c.disposition },
        el('td', { text: localDateTime(c.started_at) }),
        el('td', { text: c.direction }),
        el('td', { text: party(c.src, c.from_name) }),
        el('td', { text: c.final_destination && c.final_destination !== c.dst ? `${c.dst || '?'} → ${c.final_destination}` : c.dst || '?' }),
        el('td', { text: c.answered_by || '' }),
        el('td', {}, el('span', { class: `disp ${cls}`, text: label })),
        el('td', { text: clock(c.duration_s || 0) }),
        el('td', { text: clock(c.billsec_s || 0) }),
        transfers,
        el('td', { class: 'rec-col', hidden: !recordings }, rec));
    }));
    for (const th of document.querySelectorAll('#history th.rec-col')) th.hidden = !recordings;
    $('history-summary').replaceChildren(
      el('span', { text: `answered ${counts.answered}` }),
      el('span', { text: `missed ${counts.missed}` }),
      el('span', { text: `busy ${counts.busy}` }),
      el('span', { text: `failed ${counts.failed}` }));
    $('history-empty').hidden = records.length > 0;
    $('history-page').textContent = `Page ${state.historyPage + 1}`;
    $('history-prev').disabled = state.historyPage === 0;
    $('history-next').disabled = !more;
  }

  // Calls ending together reload the history once.
  let historyTimer = null;
  function loadHistorySoon() {
    if (historyTimer) return;
    historyTimer = setTimeout(() => { historyTimer = null; loadHistory(); }, 300);
  }

  $('history-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    state.historyPage = 0;
    loadHistory();
  });
  $('history-form').addEventListener('reset', () => {
    state.historyPage = 0;
    setTimeout(loadHistory, 0);
  });
  $('history-prev').addEventListener('click', () => { state.historyPage = Math.max(0, state.historyPage - 1); loadHistory(); });
  $('history-next').addEventListener('click', () => { state.historyPage += 1; loadHistory(); });

  document.querySelector('#history tbody').addEventListener('click', async (ev) => {
    const button = ev.target.closest('button.play');
    if (!button) return;
    button.disabled = true;
    let res;
    try {
      res = await fetch(`/recordings/${encodeURIComponent(button.dataset.recording)}`, { headers: authHeaders() });
    } catch (e) {
      res = null;
    }
    if (!res || !res.ok) {
      button.replaceWith(el('span', { class: 'error', text: 'recording unavailable' }));
      return;
    }
    const audio = el('audio', { controls: true, src: URL.createObjectURL(await res.blob()) });
    button.replaceWith(audio);
    audio.play().catch(() => {});
  });

  // ---- settings ----------------------------------------------------------------------------

  const FIELDS = {
    YEASTAR_HOST: 'ami-host', YEASTAR_PORT: 'ami-port', YEASTAR_USERNAME: 'ami-username',
    YEASTAR_PASSWORD: 'ami-password', YEASTAR_TLS: 'ami-tls', YEASTAR_CA_FILE: 'ami-ca-file',
    YEASTAR_CONTEXT: 'ami-context', SIP_SERVER: 'sip-server', SIP_PORT: 'sip-port',
    SIP_TRANSPORT: 'sip-transport', SIP_WEBSOCKET_URL: 'sip-websocket-url', SIP_CA_FILE: 'sip-ca-file',
    RTP_PORT_MIN: 'sip-rtp-min', RTP_PORT_MAX: 'sip-rtp-max',
  };
  const SOURCE_LABELS = { environment: 'from the environment', file: 'from the settings file', default: 'default' };
  const TRANSPORTS = { native: ['UDP', 'TCP', 'TLS'], websocket: ['WS', 'WSS'] };

  function setInput(id, value) {
    const input = $(id);
    if (input.type === 'checkbox') {
      input.checked = value === true;
      input.dataset.loaded = String(input.checked);
    } else {
      input.value = value === null || value === undefined ? '' : String(value);
      input.dataset.loaded = input.value;
    }
  }

  // The value to send: what was loaded when the input was not touched (so untouched defaults
  // stay defaults), else what it holds.
  function readInput(id, loaded, parse) {
    const input = $(id);
    const now = input.type === 'checkbox' ? String(input.checked) : input.value;
    if (now === input.dataset.loaded) return loaded === undefined ? null : loaded;
    if (input.type === 'checkbox') return input.checked;
    const text = input.value.trim();
    if (text === '') return null;
    return parse ? parse(text) : text;
  }

  const portValue = (text) => (/^\d+$/.test(text) ? Number(text) : text);

  function methodOf(sip) {
    const t = sip.transport || (sip.websocket_url ? (sip.websocket_url.startsWith('wss') ? 'WSS' : 'WS') : null);
    return t === 'WS' || t === 'WSS' || sip.use_websocket ? 'websocket' : 'native';
  }

  function fillTransports(method, chosen) {
    const select = $('sip-transport');
    select.replaceChildren(...TRANSPORTS[method].map((t) => el('option', { value: t, text: t })));
    select.value = TRANSPORTS[method].includes(chosen) ? chosen : TRANSPORTS[method][method === 'websocket' ? 1 : 0];
  }

  function applyMethod() {
    const method = $('sip-method').value;
    for (const f of document.querySelectorAll('.websocket-only')) {
      f.classList.toggle('off', method !== 'websocket');
      for (const i of f.querySelectorAll('input')) i.disabled = method !== 'websocket';
    }
    for (const f of document.querySelectorAll('.native-only')) {
      f.classList.toggle('off', method !== 'native');
      for (const i of f.querySelectorAll('input')) i.disabled = method !== 'native';
    }
    updatePortPlaceholder();
  }

  function updatePortPlaceholder() {
    const d = state.settings ? state.settings.defaults : null;
    if (!d) return;
    $('sip-port').placeholder = String(d.SIP_PORT[$('sip-transport').value] || '');
    $('ami-port').placeholder = String($('ami-tls').checked ? d.YEASTAR_TLS_PORT : d.YEASTAR_PORT);
    $('ami-context').placeholder = d.YEASTAR_CONTEXT;
    $('sip-rtp-min').placeholder = String(d.RTP_PORT_MIN);
    $('sip-rtp-max').placeholder = String(d.RTP_PORT_MAX);
  }

  $('sip-method').addEventListener('change', () => {
    fillTransports($('sip-method').value, null);
    applyMethod();
  });
  $('sip-transport').addEventListener('change', updatePortPlaceholder);
  $('ami-tls').addEventListener('change', updatePortPlaceholder);

  function addUserRow(user) {
    const row = $('user-row').content.firstElementChild.cloneNode(true);
    const set = (cls, v) => {
      const input = row.querySelector(cls);
      input.value = v === null || v === undefined ? '' : v;
    };
    set('.u-extension', user && user.extension);
    set('.u-password', user && user.password);
    set('.u-auth', user && user.auth_user);
    set('.u-name', user && user.display_name);
    set('.u-ws-password', user && user.ws_password);
    row.querySelector('.u-remove').addEventListener('click', () => row.remove());
    document.querySelector('#sip-users tbody').append(row);
    return row;
  }
  $('sip-user-add').addEventListener('click', () => addUserRow(null).querySelector('.u-extension').focus());

  function clearFieldErrors() {
    for (const e of document.querySelectorAll('#settings-form .field-error')) e.textContent = '';
    for (const i of document.querySelectorAll('#settings-form [aria-invalid]')) i.removeAttribute('aria-invalid');
  }

  function showFieldError(field, entry, reason) {
    const box = document.querySelector(`#settings-form .field[data-field="${field}"]`);
    if (!box) return false;
    box.querySelector('.field-error').textContent = entry ? `entry ${entry}: ${reason}` : reason;
    if (field === 'SIP_USERS' && entry) {
      const row = document.querySelectorAll('#sip-users tbody tr')[entry - 1];
      if (row) for (const i of row.querySelectorAll('input')) i.setAttribute('aria-invalid', 'true');
    } else {
      const input = box.querySelector('input, select');
      if (input) input.setAttribute('aria-invalid', 'true');
    }
    return true;
  }

  async function loadSettings() {
    if (!state.info || !state.info.settings) return;
    const r = await api('GET', '/settings');
    if (!r.ok || !r.data) {
      setResult($('settings-result'), `Settings unavailable: ${errorText(r)}`, false);
      return;
    }
    fillSettings(r.data);
  }

  function fillSettings(view) {
    state.settings = view;
    const s = view.settings;
    const ami = s.ami || {};
    const sip = s.sip || {};
    clearFieldErrors();
    setInput('ami-host', ami.host);
    setInput('ami-port', ami.port);
    setInput('ami-username', ami.username);
    setInput('ami-password', ami.password);
    setInput('ami-tls', ami.tls);
    setInput('ami-ca-file', ami.ca_file);
    setInput('ami-context', ami.context);
    const method = methodOf(sip);
    $('sip-method').value = method;
    $('sip-method').dataset.loaded = method;
    fillTransports(method, sip.transport);
    $('sip-transport').dataset.loaded = $('sip-transport').value;
    setInput('sip-server', sip.server);
    setInput('sip-port', sip.port);
    setInput('sip-websocket-url', sip.websocket_url);
    setInput('sip-rtp-min', sip.rtp_port_min);
    setInput('sip-rtp-max', sip.rtp_port_max);
    setInput('sip-ca-file', sip.ca_file);
    document.querySelector('#sip-users tbody').replaceChildren();
    for (const u of sip.users || []) addUserRow(u);
    for (const box of document.querySelectorAll('#settings-form .field[data-field]')) {
      const source = view.sources[box.dataset.field];
      box.querySelector('.source').textContent = source ? SOURCE_LABELS[source] || source : '';
    }
    // The sections the service uses come first.
    const used = view.sections || [];
    const form = $('settings-form');
    for (const section of ['sip', 'ami'].filter((x) => !used.includes(x))) {
      form.insertBefore($(`section-${section}`), form.querySelector('.actions'));
    }
    const service = state.info ? state.info.service : 'this service';
    for (const tag of document.querySelectorAll('[data-used-for]')) {
      const used = (view.sections || []).includes(tag.dataset.usedFor);
      tag.textContent = used ? `— used by ${service}` : `— not used by ${service} (kept for the other services)`;
    }
    $('settings-file').textContent = view.settings_file
      ? `Saved to ${view.settings_file}; its values win over the environment's.`
      : 'SETTINGS_FILE is not set: changes apply until the service restarts.';
    applyMethod();
  }

  // The environment's rules, checked before sending (the service checks them again).
  function validate(body) {
    const errors = [];
    const portCheck = (v, field) => {
      if (v === null) return;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535) {
        errors.push([field, null, `${JSON.stringify(v)} is not a port (1-65535)`]);
      }
    };
    const { ami, sip } = body;
    portCheck(ami.port, 'YEASTAR_PORT');
    portCheck(sip.port, 'SIP_PORT');
    portCheck(sip.rtp_port_min, 'RTP_PORT_MIN');
    portCheck(sip.rtp_port_max, 'RTP_PORT_MAX');
    const sections = (state.settings && state.settings.sections) || [];
    if (ami.host) {
      if (!ami.username) errors.push(['YEASTAR_USERNAME', null, 'is required with a host']);
      if (!ami.password) errors.push(['YEASTAR_PASSWORD', null, 'is required with a host']);
    } else if (sections.includes('ami')) {
      errors.push(['YEASTAR_HOST', null, `is required: ${state.info.service} watches the PBX over AMI`]);
    } else if (ami.username || ami.password) {
      errors.push(['YEASTAR_HOST', null, 'is required when a user is set']);
    }
    const method = $('sip-method').value;
    const rtpMin = sip.rtp_port_min === null ? state.settings.defaults.RTP_PORT_MIN : sip.rtp_port_min;
    const rtpMax = sip.rtp_port_max === null ? state.settings.defaults.RTP_PORT_MAX : sip.rtp_port_max;
    if (method === 'native' && typeof rtpMin === 'number' && typeof rtpMax === 'number' && rtpMin > rtpMax) {
      errors.push(['RTP_PORT_MAX', null, `${rtpMax} is below the first RTP port ${rtpMin}`]);
    }
    const url = $('sip-websocket-url').value.trim();
    if (method === 'websocket' && url) {
      if (!/^wss?:\/\//.test(url)) errors.push(['SIP_WEBSOCKET_URL', null, 'must start with ws:// or wss://']);
      else if ((url.startsWith('wss://') ? 'WSS' : 'WS') !== $('sip-transport').value) {
        errors.push(['SIP_TRANSPORT', null, `disagrees with the WebSocket URL (${url.startsWith('wss://') ? 'WSS' : 'WS'})`]);
      }
    }
    const users = sip.users || [];
    const wantsSip = users.length > 0 || sip.server || (method === 'websocket' && url);
    if (wantsSip) {
      if (users.length === 0) errors.push(['SIP_USERS', null, 'at least one user is required for SIP']);
      if (!sip.server && !(method === 'websocket' && url)) {
        errors.push(['SIP_SERVER', null, 'is required for SIP, unless a WebSocket URL is set']);
      }
    }
    const seen = new Map();
    users.forEach((u, i) => {
      if (!u.extension) errors.push(['SIP_USERS', i + 1, 'the extension is required']);
      else if (/[\s@:,]/.test(u.extension)) errors.push(['SIP_USERS', i + 1, `extension "${u.extension}" must be a plain number or name`]);
      else if (seen.has(u.extension)) errors.push(['SIP_USERS', i + 1, `extension ${u.extension} is already entry ${seen.get(u.extension)}`]);
      else seen.set(u.extension, i + 1);
      if (!u.password) errors.push(['SIP_USERS', i + 1, 'the password is required']);
    });
    return errors;
  }

  function settingsBody() {
    const stored = state.settings.settings;
    const ami = stored.ami || {};
    const sip = stored.sip || {};
    const method = $('sip-method').value;
    const transportChanged = $('sip-transport').value !== $('sip-transport').dataset.loaded
      || method !== $('sip-method').dataset.loaded;
    const rows = [...document.querySelectorAll('#sip-users tbody tr')];
    const users = rows.map((row) => {
      const v = (cls) => row.querySelector(cls).value;
      const ws = v('.u-ws-password');
      return {
        extension: v('.u-extension').trim(),
        password: v('.u-password'),
        auth_user: v('.u-auth').trim() || v('.u-extension').trim(),
        display_name: v('.u-name').trim(),
        ws_password: ws === '' ? null : ws,
      };
    });
    return {
      ami: {
        host: readInput('ami-host', ami.host),
        port: readInput('ami-port', ami.port, portValue),
        username: readInput('ami-username', ami.username),
        password: readInput('ami-password', ami.password, (t) => $('ami-password').value),
        tls: readInput('ami-tls', ami.tls),
        ca_file: readInput('ami-ca-file', ami.ca_file),
        context: readInput('ami-context', ami.context),
      },
      sip: {
        server: readInput('sip-server', sip.server),
        port: readInput('sip-port', sip.port, portValue),
        transport: transportChanged ? $('sip-transport').value : (sip.transport === undefined ? null : sip.transport),
        use_websocket: method === 'native' && sip.use_websocket ? false : (sip.use_websocket === undefined ? null : sip.use_websocket),
        websocket_url: readInput('sip-websocket-url', sip.websocket_url),
        users: rows.length || sip.users ? users : null,
        rtp_port_min: readInput('sip-rtp-min', sip.rtp_port_min, portValue),
        rtp_port_max: readInput('sip-rtp-max', sip.rtp_port_max, portValue),
        ca_file: readInput('sip-ca-file', sip.ca_file),
      },
    };
  }

  $('settings-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const result = $('settings-result');
    if (!state.settings) return;
    clearFieldErrors();
    const body = settingsBody();
    const errors = validate(body);
    if (errors.length) {
      for (const [field, entry, reason] of errors) showFieldError(field, entry, reason);
      setResult(result, 'Nothing saved: correct the marked fields.', false);
      const first = document.querySelector('#settings-form [aria-invalid="true"]');
      if (first) first.focus();
      return;
    }
    const button = $('settings-save');
    button.disabled = true;
    setResult(result, 'Saving…');
    const r = await api('PUT', '/settings', body);
    button.disabled = false;
    if (r.ok && r.data) {
      fillSettings(r.data);
      const restarted = r.data.restarted || [];
      let text = r.data.persisted ? 'Saved.' : 'Applied (not saved: SETTINGS_FILE is not set).';
      text += restarted.length ? ` Restarting the ${restarted.map((s) => s.toUpperCase()).join(' and ')} connection…` : ' No connection needed a restart.';
      setResult(result, text, true);
      return;
    }
    const d = r.data || {};
    if (d.field && showFieldError(d.field, d.entry, d.reason || d.error)) {
      setResult(result, `Nothing saved: ${d.error}`, false);
    } else {
      setResult(result, `Nothing saved: ${errorText(r)}`, false);
    }
  });

  $('settings-reload').addEventListener('click', () => {
    setResult($('settings-result'), '');
    loadSettings();
  });

  // ---- start -------------------------------------------------------------------------------

  function applyInfo(info) {
    state.info = Object.assign({}, state.info || {}, info);
    $('service-name').textContent = `${state.info.service} console`;
    document.title = `${state.info.service} — console`;
    document.querySelector('#tabs button[data-view="settings"]').hidden = !state.info.settings;
    $('call-form').closest('.card').hidden = !state.info.click_to_call;
  }

  async function start() {
    const r = await api('GET', '/console/info');
    if (r.status === 401) return;
    if (!r.ok || !r.data) {
      setStream(false);
      setTimeout(start, 2000);
      return;
    }
    applyInfo(r.data);
    $('token-form').hidden = true;
    $('app').hidden = false;
    if (!state.started) {
      state.started = true;
      setInterval(tick, 1000);
      window.consoleApp.started = true;
      document.dispatchEvent(new CustomEvent('console-started'));
    }
    runStream();
  }

  // What the softphone (softphone.js) uses: the API with the token, and the live table.
  window.consoleApp = {
    api,
    setLocalCall(call) {
      state.localCall = call ? Object.assign({ local: true, id: 'softphone' }, call) : null;
      renderCalls();
    },
  };

  // The installable app's shell (manifest, icon, page, scripts) is kept by a service worker;
  // the API never is.
  if ('serviceWorker' in navigator && window.isSecureContext) {
    navigator.serviceWorker.register('/sw.js').catch(() => {});
  }

  start();
})();
