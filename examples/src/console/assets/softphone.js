// The console's softphone: registers one extension over SIP-over-WebSocket and carries its calls
// with WebRTC audio. SIP and WebRTC are JsSIP's (vendor/jssip.min.js); this file is only the
// panel. The account comes from the service (GET /console/softphone/{extension}) after the
// console's token is checked; nothing of it is stored in the page's files or in the browser.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const LEVEL_POLL_MS = 250;
  // A test option: keep only 127.0.0.0/8 ICE candidates (?ice=loopback), so every media packet
  // of a test stays on this machine.
  const LOOPBACK_ONLY = new URLSearchParams(location.search).get('ice') === 'loopback';

  const phone = {
    ua: null,
    account: null,
    session: null,
    micStream: null,
    answeredAt: 0,
    timer: null,
    levelTimer: null,
    muted: false,
    held: false,
    dtmfSent: '',
    tonesPlayed: '',
    tonesHooked: null,
  };

  // ---- words for people --------------------------------------------------------------------

  function micErrorText(e) {
    const name = e && e.name;
    if (!window.isSecureContext || !navigator.mediaDevices) {
      return 'The browser only lets secure pages use the microphone: open the console with an https:// address (or as http://localhost on this computer).';
    }
    if (name === 'NotAllowedError' || name === 'SecurityError') {
      return 'The microphone is blocked for this page. Click the lock or camera icon beside the address, allow the microphone, then try again.';
    }
    if (name === 'NotFoundError' || name === 'OverconstrainedError') {
      return 'No microphone was found. Plug in a headset or microphone, then try again.';
    }
    if (name === 'NotReadableError' || name === 'AbortError') {
      return 'The microphone is busy or not working: close other programs that use it (another softphone, a video call), then try again.';
    }
    return `The microphone could not be opened (${name || 'unknown error'}).`;
  }

  function registrationErrorText(e) {
    const code = e && e.response && e.response.status_code;
    const ext = phone.account ? phone.account.extension : 'this extension';
    if (code === 401 || code === 407 || code === 403 || (e && e.cause === 'Authentication Error')) {
      return `The phone system refused the password of extension ${ext}. Ask the administrator to check its WebSocket password (the fifth field of the SIP users in Settings).`;
    }
    if (code === 404) {
      return `The phone system does not know extension ${ext}.`;
    }
    if (e && (e.cause === 'Connection Error' || e.cause === 'Request Timeout')) {
      return connectionErrorText();
    }
    return `The phone system did not accept the sign-in of extension ${ext}${code ? ` (SIP ${code})` : ''}.`;
  }

  function connectionErrorText() {
    const url = phone.account ? phone.account.websocket_url : 'the PBX';
    return `The phone system cannot be reached at ${url}. It may be switched off or unreachable from this network, or the browser may not trust its certificate (open https://${hostOf(url)} once in a tab to check).`;
  }

  function hostOf(url) {
    return String(url || '').replace(/^wss?:\/\//, '').split('/')[0];
  }

  function callEndText(e) {
    const cause = e && e.cause;
    switch (cause) {
      case 'Busy': return 'The line is busy.';
      case 'Rejected': return 'The call was declined.';
      case 'Not Found': return 'That number does not exist.';
      case 'Unavailable': return 'Nobody is available on that number right now.';
      case 'No Answer': return 'Nobody answered.';
      case 'Canceled': return 'The call was cancelled.';
      case 'Address Incomplete': return 'The number is incomplete.';
      case 'User Denied Media Access': return micErrorText({ name: 'NotAllowedError' });
      case 'Incompatible SDP':
      case 'Bad Media Description':
      case 'WebRTC Error':
        return 'The call could not carry audio: the PBX must allow WebRTC for this extension (webrtc=yes).';
      case 'Connection Error': return connectionErrorText();
      case 'RTP Timeout': return 'The audio stopped arriving; the call was ended.';
      default: return 'The call ended.';
    }
  }

  function setStatus(stateName, text) {
    const pill = $('sp-status');
    pill.dataset.state = stateName;
    pill.textContent = text;
    pill.className = 'pill ' + (stateName === 'registered' ? 'pill-ok' : stateName === 'failed' ? 'pill-bad' : 'pill-wait');
  }

  function say(text, ok) {
    const node = $('sp-message');
    node.textContent = text || '';
    node.classList.toggle('ok', ok === true);
    node.classList.toggle('bad', ok === false);
  }

  function clock(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  }

  // ---- setup -------------------------------------------------------------------------------

  async function load() {
    const app = window.consoleApp;
    if (!app || !window.JsSIP) return;
    const r = await app.api('GET', '/console/softphone');
    if (r.status === 404 || r.status === 401) return; // no softphone in this service, or no token
    $('softphone').hidden = false;
    if (!r.ok || !r.data || !r.data.available) {
      setStatus('off', 'not available');
      say((r.data && (r.data.reason || r.data.error)) || 'The softphone is not available.');
      $('sp-setup').hidden = true;
      return;
    }
    const select = $('sp-extension');
    select.replaceChildren(...r.data.extensions.map((x) => {
      const option = document.createElement('option');
      option.value = x.extension;
      option.textContent = x.display_name ? `${x.extension} — ${x.display_name}` : x.extension;
      return option;
    }));
    const last = localStorage.getItem('softphone-extension');
    if (last && r.data.extensions.some((x) => x.extension === last)) select.value = last;
  }

  async function connect() {
    disconnect();
    const extension = $('sp-extension').value;
    if (!extension) return;
    setStatus('connecting', 'connecting…');
    say('');
    const r = await window.consoleApp.api('GET', `/console/softphone/${encodeURIComponent(extension)}`);
    if (!r.ok || !r.data) {
      setStatus('failed', 'not connected');
      say((r.data && (r.data.reason_text || r.data.error)) || 'The service did not give the account.', false);
      return;
    }
    localStorage.setItem('softphone-extension', extension);
    const account = r.data;
    phone.account = { extension: account.extension, display_name: account.display_name, websocket_url: account.websocket_url };
    let ua;
    try {
      const socket = new JsSIP.WebSocketInterface(account.websocket_url);
      ua = new JsSIP.UA({
        sockets: [socket],
        uri: account.uri,
        authorization_user: account.auth_user,
        password: account.password,
        display_name: account.display_name || undefined,
        register: true,
        session_timers: false,
        user_agent: 'yeastar-console softphone (JsSIP)',
      });
    } catch (e) {
      setStatus('failed', 'not connected');
      say(`The account settings are not usable: ${e.message || e}.`, false);
      return;
    }
    phone.ua = ua;
    ua.on('connecting', () => { if (phone.ua === ua) setStatus('connecting', 'connecting…'); });
    ua.on('disconnected', () => {
      if (phone.ua !== ua) return;
      setStatus('failed', 'no connection');
      say(connectionErrorText(), false);
    });
    ua.on('registered', () => {
      if (phone.ua !== ua) return;
      setStatus('registered', `ready: ${account.extension}`);
      say(`Extension ${account.extension} is ready to make and take calls.`, true);
      $('sp-phone').hidden = false;
    });
    ua.on('unregistered', () => { if (phone.ua === ua) setStatus('off', 'not connected'); });
    ua.on('registrationFailed', (e) => {
      if (phone.ua !== ua) return;
      setStatus('failed', 'sign-in refused');
      say(registrationErrorText(e), false);
      $('sp-phone').hidden = true;
    });
    ua.on('newRTCSession', (e) => onSession(e.session, e.originator));
    $('sp-connect').hidden = true;
    $('sp-disconnect').hidden = false;
    $('sp-extension').disabled = true;
    ua.start();
  }

  function disconnect() {
    if (phone.session) {
      try { phone.session.terminate(); } catch (e) { /* already ended */ }
    }
    if (phone.ua) {
      const ua = phone.ua;
      phone.ua = null;
      ua.stop();
    }
    endCall(null);
    $('sp-phone').hidden = true;
    $('sp-connect').hidden = false;
    $('sp-disconnect').hidden = true;
    $('sp-extension').disabled = false;
    setStatus('off', 'not connected');
  }

  // ---- media -------------------------------------------------------------------------------

  async function microphone() {
    if (!window.isSecureContext || !navigator.mediaDevices) throw { name: 'SecurityError' };
    return navigator.mediaDevices.getUserMedia({ audio: true, video: false });
  }

  function keepLoopbackCandidates(e) {
    if (!LOOPBACK_ONLY || e.originator !== 'local') return;
    e.sdp = e.sdp.split('\r\n').filter((line) => {
      if (!line.startsWith('a=candidate:')) return true;
      const address = line.split(' ')[4] || '';
      return address.startsWith('127.');
    }).join('\r\n');
  }

  function callOptions() {
    return {
      mediaStream: phone.micStream,
      pcConfig: { iceServers: [] },
      rtcOfferConstraints: { offerToReceiveAudio: true, offerToReceiveVideo: false },
      sessionTimersExpires: 120,
    };
  }

  // Everything the page and its tests read about the call: levels, packets, the ICE path.
  async function callStats() {
    const session = phone.session;
    const pc = session && session.connection;
    if (!pc) return null;
    const report = await pc.getStats();
    const out = { packetsReceived: 0, packetsSent: 0, micLevel: 0, remoteLevel: 0, local: null, remote: null };
    let pairId = null;
    report.forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'audio') {
        out.packetsReceived += s.packetsReceived || 0;
        if (typeof s.audioLevel === 'number') out.remoteLevel = s.audioLevel;
      }
      if (s.type === 'outbound-rtp' && s.kind === 'audio') out.packetsSent += s.packetsSent || 0;
      if (s.type === 'media-source' && s.kind === 'audio' && typeof s.audioLevel === 'number') out.micLevel = s.audioLevel;
      if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
    });
    const pair = pairId && report.get(pairId);
    if (pair) {
      const l = report.get(pair.localCandidateId);
      const r = report.get(pair.remoteCandidateId);
      out.local = l ? `${l.address || l.ip}:${l.port}` : null;
      out.remote = r ? `${r.address || r.ip}:${r.port}` : null;
    }
    return out;
  }

  // ---- calls -------------------------------------------------------------------------------

  function peerOf(session) {
    const id = session.remote_identity;
    const number = id && id.uri ? id.uri.user : '';
    const name = id && id.display_name;
    return name && name !== number ? `${name} (${number})` : number || 'unknown';
  }

  function onSession(session, originator) {
    if (phone.session && phone.referredBy && originator === 'local') {
      transferredCall(session);
      return;
    }
    if (phone.session) {
      // One call at a time: a second caller hears busy.
      if (originator === 'remote') session.terminate({ status_code: 486, reason_phrase: 'Busy Here' });
      return;
    }
    phone.session = session;
    phone.muted = false;
    phone.held = false;
    phone.dtmfSent = '';
    phone.tonesPlayed = '';
    const peer = peerOf(session);
    session.on('sdp', keepLoopbackCandidates);
    session.on('peerconnection', onPeerConnection);
    // An incoming call's own 180 is a `progress` too: only the far end's counts.
    session.on('progress', (e) => { if (e.originator === 'remote') showCall(peer, 'ringing'); });
    session.on('accepted', () => {
      phone.answeredAt = Date.now();
      showCall(peer, 'answered');
    });
    session.on('confirmed', () => {
      if (!phone.answeredAt) phone.answeredAt = Date.now();
      showCall(peer, 'answered');
    });
    session.on('hold', (e) => showCall(peer, e.originator === 'local' ? 'on_hold' : 'held_by_peer'));
    session.on('unhold', () => showCall(peer, 'answered'));
    session.on('muted', () => { phone.muted = true; showCall(peer); });
    session.on('unmuted', () => { phone.muted = false; showCall(peer); });
    // A blind transfer asked of us (REFER): call the target with the same microphone.
    session.on('refer', (e) => {
      const target = e.request.refer_to.uri.user || 'the new number';
      say(`${peerOf(session)} is transferring this call to ${target}…`);
      phone.referredBy = session;
      e.accept(null, callOptions());
    });
    session.on('ended', (e) => endCall(e, session));
    session.on('failed', (e) => endCall(e, session));
    if (originator === 'remote') {
      $('sp-caller').textContent = peer;
      $('sp-incoming').hidden = false;
      $('sp-dial').hidden = true;
      setLocalCall(peer, 'ringing', 'in');
    } else {
      showCall(peer, 'setup');
    }
  }

  function onPeerConnection(e) {
    e.peerconnection.addEventListener('track', (t) => {
      $('sp-audio').srcObject = t.streams[0] || new MediaStream([t.track]);
    });
  }

  // The call the other side transferred us to (we accepted its REFER): it takes the place of
  // the current call once answered (the transferor then ends the old one); if it fails, the
  // current call goes on.
  function transferredCall(session) {
    const current = phone.session;
    phone.referredBy = null;
    session.on('sdp', keepLoopbackCandidates);
    session.on('peerconnection', onPeerConnection);
    session.on('failed', (e) => {
      if (phone.session === current) say(`The transfer did not go through: ${callEndText(e)}`, false);
    });
    session.on('accepted', () => {
      phone.session = null;
      phone.localCall = null;
      onSession(session, 'local');
      phone.answeredAt = Date.now();
      showCall(peerOf(session), 'answered');
    });
  }

  const CALL_STATE_TEXT = {
    setup: 'calling…', ringing: 'ringing', answered: 'in call', on_hold: 'on hold',
    held_by_peer: 'held by the other side',
  };

  function showCall(peer, callState) {
    const session = phone.session;
    if (!session) return;
    if (callState) phone.callState = callState;
    $('sp-incoming').hidden = true;
    $('sp-call').hidden = false;
    $('sp-dial').hidden = true;
    $('sp-peer').textContent = peer;
    const tag = $('sp-call-state');
    tag.textContent = CALL_STATE_TEXT[phone.callState] || phone.callState;
    tag.dataset.state = phone.callState;
    tag.className = `state-tag state-${phone.callState === 'held_by_peer' ? 'on_hold' : phone.callState}`;
    $('sp-mute').textContent = phone.muted ? 'Unmute' : 'Mute';
    $('sp-mute').setAttribute('aria-pressed', String(phone.muted));
    phone.held = phone.callState === 'on_hold';
    $('sp-hold').textContent = phone.held ? 'Resume' : 'Hold';
    $('sp-hold').setAttribute('aria-pressed', String(phone.held));
    const inCall = phone.callState !== 'setup' && phone.callState !== 'ringing';
    for (const id of ['sp-mute', 'sp-hold', 'sp-transfer']) $(id).disabled = !inCall;
    if (!phone.timer) phone.timer = setInterval(tickCall, 1000);
    if (!phone.levelTimer) phone.levelTimer = setInterval(showLevels, LEVEL_POLL_MS);
    tickCall();
    setLocalCall(peer, phone.callState === 'held_by_peer' ? 'on_hold' : phone.callState, session.direction === 'incoming' ? 'in' : 'out');
  }

  function setLocalCall(peer, callState, direction) {
    const ext = phone.account.extension;
    const existing = phone.localCall;
    phone.localCall = {
      extension: ext,
      direction,
      from: direction === 'in' ? peer : ext,
      to: direction === 'in' ? ext : peer,
      state: callState === 'setup' ? 'setup' : callState,
      started: existing ? existing.started : Date.now(),
      answered: phone.answeredAt || null,
    };
    window.consoleApp.setLocalCall(phone.localCall);
  }

  function tickCall() {
    $('sp-timer').textContent = phone.answeredAt ? clock((Date.now() - phone.answeredAt) / 1000) : '0:00';
  }

  async function showLevels() {
    const stats = await callStats().catch(() => null);
    if (!stats) return;
    $('sp-level-mic').value = phone.muted ? 0 : stats.micLevel;
    $('sp-level-remote').value = stats.remoteLevel;
  }

  function endCall(e, session) {
    if (session && session !== phone.session) return;
    if (session && phone.referredBy === session) {
      // The transfer's new call failed before it replaced this one.
      phone.referredBy = null;
    }
    const hadCall = !!phone.session;
    phone.session = null;
    phone.answeredAt = 0;
    phone.callState = null;
    clearInterval(phone.timer);
    clearInterval(phone.levelTimer);
    phone.timer = null;
    phone.levelTimer = null;
    $('sp-incoming').hidden = true;
    $('sp-call').hidden = true;
    $('sp-dial').hidden = false;
    $('sp-audio').srcObject = null;
    if (phone.micStream) {
      phone.micStream.getTracks().forEach((t) => t.stop());
      phone.micStream = null;
    }
    phone.localCall = null;
    if (window.consoleApp) window.consoleApp.setLocalCall(null);
    if (hadCall && e) {
      const byUs = e.originator === 'local';
      say(byUs && (e.cause === 'Terminated' || e.cause === 'Canceled') ? 'Call ended.' : callEndText(e), byUs ? true : undefined);
    }
  }

  async function placeCall(number) {
    if (!phone.ua || !phone.ua.isRegistered() || phone.session) return;
    if (!/^[0-9A-Za-z+*#._-]{1,64}$/.test(number)) {
      say('Type the number to call (digits, *, #, +).', false);
      return;
    }
    try {
      phone.micStream = await microphone();
    } catch (e) {
      say(micErrorText(e), false);
      return;
    }
    say('');
    const domain = phone.ua.configuration.uri.host;
    try {
      phone.ua.call(`sip:${number}@${domain}`, callOptions());
    } catch (e) {
      endCall(null);
      say(`The call could not be placed: ${e.message || e}.`, false);
    }
  }

  async function answer() {
    const session = phone.session;
    if (!session || session.direction !== 'incoming') return;
    try {
      phone.micStream = await microphone();
    } catch (e) {
      say(micErrorText(e), false);
      session.terminate({ status_code: 480, reason_phrase: 'Microphone Unavailable' });
      return;
    }
    session.answer(callOptions());
  }

  // The keys the browser has started to play into the audio stream.
  function hookTones(session) {
    const pc = session.connection;
    const sender = pc && pc.getSenders().find((x) => x.dtmf);
    if (!sender || sender.dtmf === phone.tonesHooked) return;
    phone.tonesHooked = sender.dtmf;
    sender.dtmf.addEventListener('tonechange', (e) => {
      if (e.tone) phone.tonesPlayed += e.tone;
    });
  }

  function sendKey(key) {
    const session = phone.session;
    if (session && session.isEstablished()) {
      hookTones(session);
      // RFC 4733 telephone-events in the audio stream (RTCDTMFSender), not SIP INFO.
      session.sendDTMF(key, { transportType: 'RFC2833', duration: 120, interToneGap: 70 });
      phone.dtmfSent += key;
      $('sp-dtmf-sent').textContent = phone.dtmfSent;
      return;
    }
    const input = $('sp-number');
    input.value += key;
  }

  // ---- controls ----------------------------------------------------------------------------

  $('sp-setup').addEventListener('submit', (ev) => { ev.preventDefault(); connect(); });
  $('sp-disconnect').addEventListener('click', () => { disconnect(); say(''); });
  $('sp-dial').addEventListener('submit', (ev) => { ev.preventDefault(); placeCall($('sp-number').value.trim()); });
  $('sp-pad').addEventListener('click', (ev) => {
    const button = ev.target.closest('button[data-key]');
    if (button) sendKey(button.dataset.key);
  });
  $('sp-answer').addEventListener('click', answer);
  $('sp-reject').addEventListener('click', () => {
    if (phone.session) phone.session.terminate({ status_code: 603, reason_phrase: 'Decline' });
  });
  $('sp-hangup').addEventListener('click', () => { if (phone.session) phone.session.terminate(); });
  $('sp-mute').addEventListener('click', () => {
    const s = phone.session;
    if (!s) return;
    if (s.isMuted().audio) s.unmute({ audio: true }); else s.mute({ audio: true });
  });
  $('sp-hold').addEventListener('click', () => {
    const s = phone.session;
    if (!s) return;
    if (s.isOnHold().local) s.unhold(); else s.hold();
  });
  $('sp-transfer-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const s = phone.session;
    const target = $('sp-transfer-to').value.trim();
    if (!s || !/^[0-9A-Za-z+*#._-]{1,64}$/.test(target)) {
      say('Type the number to transfer to.', false);
      return;
    }
    const domain = phone.ua.configuration.uri.host;
    s.refer(`sip:${target}@${domain}`, {
      eventHandlers: {
        accepted: () => { say(`Transferred to ${target}.`, true); s.terminate(); },
        failed: () => say(`The transfer to ${target} failed; you are still in the call.`, false),
      },
    });
  });
  window.addEventListener('beforeunload', () => { if (phone.ua) phone.ua.stop(); });

  // For the page's tests: the call's statistics and state.
  window.softphone = {
    stats: callStats,
    state: () => ({
      registered: !!(phone.ua && phone.ua.isRegistered()),
      call: phone.callState || null,
      onHold: phone.session ? phone.session.isOnHold() : null,
      dtmfSent: phone.dtmfSent,
      tonesPlayed: phone.tonesPlayed,
      telephoneEvent: !!(phone.session && phone.session.connection && phone.session.connection.remoteDescription
        && /telephone-event\/8000/.test(phone.session.connection.remoteDescription.sdp)),
    }),
  };

  if (window.consoleApp && window.consoleApp.started) load();
  else document.addEventListener('console-started', load, { once: true });
})();
