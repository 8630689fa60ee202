// The Publish page: a message from the broker itself (POST /mqtt/publish), with the MQTT 5
// properties the API passes on to MQTT 5 subscribers. The form keeps its values after sending,
// so the operator can send the same message again or change one field.

// "key=value" per line to { key: value }; a line without "=" is an error, not silently dropped.
function parseUserProperties(text) {
  const out = {};
  for (const line of text.split('\n').map(l => l.trim()).filter(Boolean)) {
    const i = line.indexOf('=');
    if (i <= 0) throw new Error(t('publish.badUserProperty', { line }));
    out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

Pages.publish = (main) => {
  const field = (id, label, input) => el('div', {}, el('label', { for: id }, label), input);
  const input = (id, attrs) => el('input', Object.assign({ id, autocomplete: 'off' }, attrs));
  const select = (id, options) => el('select', { id }, options.map(([v, text]) => el('option', { value: v }, text)));
  const msg = el('p', { role: 'status', id: 'publish-msg' });
  const v = id => document.getElementById(id).value.trim();

  const form = el('form', { class: 'card', 'aria-labelledby': 'publish-h', onsubmit: async (ev) => {
    ev.preventDefault();
    msg.textContent = '';
    const body = { topic: v('pub-topic'), payload: document.getElementById('pub-payload').value, encoding: v('pub-encoding'),
      qos: Number(v('pub-qos')), retain: document.getElementById('pub-retain').checked };
    if (v('pub-clientid')) body.clientid = v('pub-clientid');
    try {
      const props = {};
      if (v('pub-format') !== '') props.payload_format_indicator = Number(v('pub-format'));
      if (v('pub-expiry') !== '') props.message_expiry_interval = Number(v('pub-expiry'));
      for (const [id, key] of [['pub-content-type', 'content_type'], ['pub-response-topic', 'response_topic'], ['pub-correlation', 'correlation_data']]) {
        if (v(id)) props[key] = v(id);
      }
      const user = parseUserProperties(document.getElementById('pub-user-props').value);
      if (Object.keys(user).length) props.user_properties = user;
      if (Object.keys(props).length) body.properties = props;
      await Api.post('/mqtt/publish', body);
      msg.className = 'ok'; msg.textContent = t('publish.sent', { topic: body.topic });
    } catch (e) { msg.className = 'error'; msg.textContent = e.message; }
  } },
    el('h2', { id: 'publish-h' }, t('publish.message')),
    el('div', { class: 'row' },
      field('pub-topic', t('topics.topic'), input('pub-topic', { required: true, placeholder: t('publish.topicHint') })),
      field('pub-clientid', t('publish.from'), input('pub-clientid', { placeholder: 'http_api' }))),
    field('pub-payload', t('retained.payload'), el('textarea', { id: 'pub-payload', rows: '4' })),
    el('div', { class: 'row' },
      field('pub-encoding', t('publish.encoding'), select('pub-encoding', [['plain', t('publish.plain')], ['base64', 'base64']])),
      field('pub-qos', t('subs.qos'), select('pub-qos', [['0', '0'], ['1', '1'], ['2', '2']])),
      el('div', { class: 'check' }, el('input', { id: 'pub-retain', type: 'checkbox' }), el('label', { for: 'pub-retain' }, t('publish.retain')))),
    el('details', { class: 'props' }, el('summary', {}, t('publish.props')),
      el('p', { class: 'muted' }, t('publish.propsNote')),
      el('div', { class: 'row' },
        field('pub-format', t('publish.format'), select('pub-format', [['', t('none')], ['0', t('publish.format.bytes')], ['1', t('publish.format.utf8')]])),
        field('pub-expiry', t('publish.expiry'), input('pub-expiry', { type: 'number', min: '0', inputmode: 'numeric' })),
        field('pub-content-type', t('publish.contentType'), input('pub-content-type', { placeholder: 'application/json' }))),
      el('div', { class: 'row' },
        field('pub-response-topic', t('publish.responseTopic'), input('pub-response-topic', {})),
        field('pub-correlation', t('publish.correlation'), input('pub-correlation', {}))),
      field('pub-user-props', t('publish.userProps'), el('textarea', { id: 'pub-user-props', rows: '3', placeholder: t('publish.userPropsHint') }))),
    el('div', { class: 'actions' }, el('button', { type: 'submit' }, t('publish.submit')), msg));
  main.append(el('h1', {}, t('publish.title')), form);
};
