// The WebSocket client tool, like EMQ X's Tools -> WebSocket: connect with MQTT.js (vendored),
// subscribe, publish and watch messages. The port defaults to the broker's real ws listener.
// The connection and its log live in WsTool, outside the page, so the client stays connected
// while the user checks it on the Clients or Subscriptions page (the walkthrough does that).
const WsTool = {
  client: null, status: t('ws.disconnected'), lines: [], form: {}, view: null,
  maxLines: 200, // bounded: a chatty topic must not grow the page without end
  note(text) {
    this.lines.unshift(new Date().toTimeString().slice(0, 8) + '  ' + text); // 24 h, like the API's times
    this.lines.length = Math.min(this.lines.length, this.maxLines);
    if (this.view) this.view.update();
  },
  setStatus(text) { this.status = text; if (this.view) this.view.update(); },
  close() { if (this.client) { this.client.end(true); this.client = null; } this.status = t('ws.disconnected'); this.lines = []; }
};

Pages.websocket = (main) => {
  const f = WsTool.form;
  const field = (id, label, attrs) => el('div', {}, el('label', { for: id }, label),
    el('input', Object.assign({ id }, attrs, f[id] !== undefined ? { value: f[id] } : {})));
  const check = (id, label, checked) => el('div', { class: 'check' },
    el('input', { id, type: 'checkbox', checked: f[id] !== undefined ? f[id] : checked }), el('label', { for: id }, label));
  const qosSel = (id) => el('div', {}, el('label', { for: id }, t('ws.qos')),
    el('select', { id }, ['0', '1', '2'].map(q => el('option', { value: q, selected: f[id] === q }, q))));
  const section = (id, title, ...body) => el('section', { class: 'card', 'aria-labelledby': id }, el('h2', { id }, title), ...body);
  // Forms so that Enter in any field submits, as keyboard users expect.
  const form = (onsubmit, ...body) => el('form', { onsubmit: (ev) => { ev.preventDefault(); onsubmit(); } }, ...body);

  const status = el('p', { id: 'ws-status', role: 'status' });
  const log = el('div', { class: 'log', id: 'ws-log', role: 'log', 'aria-label': t('ws.messages'), tabindex: '0' });
  const connectBtn = el('button', { id: 'ws-connect', type: 'submit' }, t('ws.connect'));
  const disconnectBtn = el('button', { id: 'ws-disconnect', type: 'button', class: 'secondary', onclick: () => WsTool.client && WsTool.client.end() }, t('ws.disconnect'));
  main.append(el('h1', {}, t('ws.title')),
    section('ws-h-conn', t('ws.connection'), form(connect,
      el('div', { class: 'row' }, field('ws-host', t('ws.host'), { value: location.hostname }), field('ws-port', t('ws.port'), { value: '8083', inputmode: 'numeric' }),
        field('ws-path', t('ws.path'), { value: '/mqtt' }), field('ws-clientid', t('ws.clientid'), { value: 'mqttjs_' + Math.random().toString(16).slice(2, 10) })),
      el('div', { class: 'row' }, field('ws-username', t('ws.username'), { autocomplete: 'off' }), field('ws-password', t('ws.password'), { type: 'password', autocomplete: 'off' }),
        field('ws-keepalive', t('ws.keepalive'), { value: '60', inputmode: 'numeric' }), check('ws-clean', t('ws.clean'), true)),
      el('div', { class: 'row' }, field('ws-will-topic', t('ws.willTopic'), {}), field('ws-will-payload', t('ws.willPayload'), {}), qosSel('ws-will-qos'), check('ws-will-retain', t('ws.willRetain'), false)),
      el('div', { class: 'actions' }, connectBtn, disconnectBtn, status))),
    section('ws-h-sub', t('ws.subscribe'), form(subscribe,
      el('div', { class: 'row' }, field('ws-sub-topic', t('ws.topic'), { value: 'testtopic/#' }), qosSel('ws-sub-qos'),
        el('div', { class: 'actions' }, el('button', { id: 'ws-subscribe', type: 'submit' }, t('ws.subscribe')))))),
    section('ws-h-pub', t('ws.publish'), form(publish,
      el('div', { class: 'row' }, field('ws-pub-topic', t('ws.topic'), { value: 'testtopic' }), field('ws-pub-payload', t('ws.message'), { value: '{ "msg": "Hello, World!" }' }),
        qosSel('ws-pub-qos'), check('ws-pub-retain', t('ws.retain'), false), el('div', { class: 'actions' }, el('button', { id: 'ws-publish', type: 'submit' }, t('ws.publish')))))),
    section('ws-h-log', t('ws.messages'), log));
  const input = id => document.getElementById(id);
  const v = id => input(id).value;
  const on = id => input(id).checked;

  WsTool.view = {
    update() {
      const connected = !!(WsTool.client && WsTool.client.connected);
      status.textContent = WsTool.status;
      connectBtn.disabled = connected; disconnectBtn.disabled = !connected;
      log.replaceChildren(...(WsTool.lines.length ? WsTool.lines.map(l => el('div', {}, l)) : [el('p', { class: 'muted' }, t('ws.noMessages'))]));
    }
  };
  WsTool.view.update();

  if (f['ws-port'] === undefined) {
    Api.get('/listeners').then(r => {
      const ws = r.data[0].listeners.find(l => l.protocol === 'mqtt:ws');
      if (ws) { input('ws-port').value = ws.port; if (ws.path) input('ws-path').value = ws.path; }
    }).catch(() => {});
  }

  function connect() {
    if (WsTool.client) WsTool.client.end(true);
    const opts = { clientId: v('ws-clientid'), keepalive: Number(v('ws-keepalive')) || 60, clean: on('ws-clean'), reconnectPeriod: 0, connectTimeout: 10000 };
    if (v('ws-username')) opts.username = v('ws-username');
    if (v('ws-password')) opts.password = v('ws-password');
    if (v('ws-will-topic')) opts.will = { topic: v('ws-will-topic'), payload: v('ws-will-payload'), qos: Number(v('ws-will-qos')), retain: on('ws-will-retain') };
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + v('ws-host') + ':' + v('ws-port') + v('ws-path');
    WsTool.setStatus(t('ws.connecting', { url }));
    const client = WsTool.client = mqtt.connect(url, opts);
    client.on('connect', () => { WsTool.status = t('ws.connectedTo', { url, id: opts.clientId }); WsTool.note(t('ws.log.connected')); });
    client.on('close', () => { if (WsTool.client === client) WsTool.setStatus(t('ws.disconnected')); });
    client.on('error', e => WsTool.setStatus(t('ws.error', { message: e.message })));
    client.on('message', (topic, payload, packet) => WsTool.note(t('ws.log.received', { topic, qos: packet.qos,
      retained: packet.retain ? t('ws.log.retained') : '', payload: payload.toString() })));
  }
  function ready() {
    if (WsTool.client && WsTool.client.connected) return true;
    WsTool.setStatus(t('ws.connectFirst'));
    return false;
  }
  function subscribe() {
    if (!ready()) return;
    const topic = v('ws-sub-topic'), qos = Number(v('ws-sub-qos'));
    WsTool.client.subscribe(topic, { qos }, (err, granted) => WsTool.note(err ? t('ws.log.subscribeFailed', { message: err.message })
      : t('ws.log.subscribed', { topic, qos: granted[0] && granted[0].qos })));
  }
  function publish() {
    if (!ready()) return;
    const topic = v('ws-pub-topic'), qos = Number(v('ws-pub-qos')), payload = v('ws-pub-payload');
    WsTool.client.publish(topic, payload, { qos, retain: on('ws-pub-retain') }, err => WsTool.note(err ? t('ws.log.publishFailed', { message: err.message })
      : t('ws.log.published', { topic, payload })));
  }
  // Leaving the page keeps the connection; only the form values are remembered (never the password).
  return () => {
    for (const e of main.querySelectorAll('input, select')) {
      if (e.id && e.id !== 'ws-password') f[e.id] = e.type === 'checkbox' ? e.checked : e.value;
    }
    WsTool.view = null;
  };
};
