// The WebSocket client tool, like EMQ X's Tools -> WebSocket: connect with MQTT.js (vendored),
// subscribe, publish and watch messages. The port defaults to the broker's real ws listener.
Pages.websocket = (main) => {
  const field = (id, label, attrs) => el('div', {}, el('label', { for: id }, label), el('input', Object.assign({ id }, attrs)));
  const check = (id, label, checked) => el('div', {}, el('label', { for: id }, el('input', { id, type: 'checkbox', checked }), ' ' + label));
  const qosSel = (id) => el('div', {}, el('label', { for: id }, 'QoS'), el('select', { id }, ['0', '1', '2'].map(q => el('option', { value: q }, q))));
  const status = el('p', { id: 'ws-status', role: 'status' }, 'Disconnected');
  const log = el('div', { class: 'log', id: 'ws-log', 'aria-live': 'polite' });
  const connectBtn = el('button', { id: 'ws-connect', onclick: () => connect() }, 'Connect');
  const disconnectBtn = el('button', { id: 'ws-disconnect', class: 'secondary', disabled: true, onclick: () => client && client.end() }, 'Disconnect');
  main.append(el('h1', {}, 'WebSocket client'),
    el('div', { class: 'card' }, el('h2', {}, 'Connection'),
      el('div', { class: 'row' }, field('ws-host', 'Host', { value: location.hostname }), field('ws-port', 'Port', { value: '8083', inputmode: 'numeric' }),
        field('ws-path', 'Path', { value: '/mqtt' }), field('ws-clientid', 'Client ID', { value: 'mqttjs_' + Math.random().toString(16).slice(2, 10) })),
      el('div', { class: 'row' }, field('ws-username', 'Username', { autocomplete: 'off' }), field('ws-password', 'Password', { type: 'password', autocomplete: 'off' }),
        field('ws-keepalive', 'Keepalive (s)', { value: '60', inputmode: 'numeric' }), check('ws-clean', 'Clean session', true)),
      el('div', { class: 'row' }, field('ws-will-topic', 'Will topic', {}), field('ws-will-payload', 'Will message', {}), qosSel('ws-will-qos'), check('ws-will-retain', 'Will retain', false)),
      el('div', { class: 'row' }, el('div', {}, connectBtn, ' ', disconnectBtn)), status),
    el('div', { class: 'card' }, el('h2', {}, 'Subscribe'),
      el('div', { class: 'row' }, field('ws-sub-topic', 'Topic', { value: 'testtopic/#' }), qosSel('ws-sub-qos'),
        el('div', {}, el('button', { id: 'ws-subscribe', onclick: () => subscribe() }, 'Subscribe')))),
    el('div', { class: 'card' }, el('h2', {}, 'Publish'),
      el('div', { class: 'row' }, field('ws-pub-topic', 'Topic', { value: 'testtopic' }), field('ws-pub-payload', 'Message', { value: '{ "msg": "Hello, World!" }' }),
        qosSel('ws-pub-qos'), check('ws-pub-retain', 'Retain', false), el('div', {}, el('button', { id: 'ws-publish', onclick: () => publish() }, 'Publish')))),
    el('div', { class: 'card' }, el('h2', {}, 'Messages'), log));
  const v = id => document.getElementById(id).value;
  const on = id => document.getElementById(id).checked;
  const note = (text) => log.prepend(el('div', {}, new Date().toLocaleTimeString() + '  ' + text));
  let client = null;

  Api.get('/listeners').then(r => {
    const ws = r.data[0].listeners.find(l => l.protocol === 'mqtt:ws');
    if (ws) { document.getElementById('ws-port').value = ws.port; if (ws.path) document.getElementById('ws-path').value = ws.path; }
  }).catch(() => {});

  function connect() {
    const opts = { clientId: v('ws-clientid'), keepalive: Number(v('ws-keepalive')) || 60, clean: on('ws-clean'), reconnectPeriod: 0, connectTimeout: 10000 };
    if (v('ws-username')) opts.username = v('ws-username');
    if (v('ws-password')) opts.password = v('ws-password');
    if (v('ws-will-topic')) opts.will = { topic: v('ws-will-topic'), payload: v('ws-will-payload'), qos: Number(v('ws-will-qos')), retain: on('ws-will-retain') };
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + v('ws-host') + ':' + v('ws-port') + v('ws-path');
    status.textContent = 'Connecting to ' + url + '…';
    client = mqtt.connect(url, opts);
    client.on('connect', () => { status.textContent = 'Connected'; connectBtn.disabled = true; disconnectBtn.disabled = false; note('connected'); });
    client.on('close', () => { status.textContent = 'Disconnected'; connectBtn.disabled = false; disconnectBtn.disabled = true; });
    client.on('error', e => { status.textContent = 'Error: ' + e.message; });
    client.on('message', (topic, payload, packet) => note('received  ' + topic + '  qos ' + packet.qos + (packet.retain ? ' retained' : '') + '  ' + payload.toString()));
  }
  function subscribe() {
    if (!client || !client.connected) { status.textContent = 'Connect first'; return; }
    const topic = v('ws-sub-topic'), qos = Number(v('ws-sub-qos'));
    client.subscribe(topic, { qos }, (err, granted) => note(err ? 'subscribe failed: ' + err.message : 'subscribed ' + topic + ' qos ' + (granted[0] && granted[0].qos)));
  }
  function publish() {
    if (!client || !client.connected) { status.textContent = 'Connect first'; return; }
    const topic = v('ws-pub-topic'), qos = Number(v('ws-pub-qos'));
    client.publish(topic, v('ws-pub-payload'), { qos, retain: on('ws-pub-retain') }, err => note(err ? 'publish failed: ' + err.message : 'published ' + topic + '  ' + v('ws-pub-payload')));
  }
  return () => { if (client) client.end(true); };
};
