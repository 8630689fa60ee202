// The Clients page: the server-paged list with its filters, and one client's details where the
// operator adds or removes its subscriptions and kicks it out.

Pages.clients = async (main) => {
  const info = await ClusterInfo.get();
  const details = el('section', { class: 'card', id: 'client-details', tabindex: '-1', 'aria-labelledby': 'client-details-h', hidden: true });
  const status = (c) => el('span', {}, el('span', { class: 'status-dot' + (c.connected ? ' on' : '') }), t(c.connected ? 'clients.connected' : 'clients.disconnected'));
  const filters = [
    Filter.text('f-clientid', t('clients.id'), t('filter.contains')),
    Filter.text('f-username', t('clients.username'), t('filter.contains')),
    Filter.text('f-ip', t('clients.ip'), t('filter.contains')),
    Filter.select('f-state', t('clients.status'), [['', t('filter.any')], ['connected', t('clients.connected')], ['disconnected', t('clients.disconnected')]]),
    Filter.select('f-proto', t('clients.protocol'), [['', t('filter.any')], ['3', Fmt.protocol(3)], ['4', Fmt.protocol(4)], ['5', Fmt.protocol(5)]])
  ];
  if (info.clustered) filters.push(Filter.select('f-node', t('topics.node'), nodeOptions(info)));
  const list = new PagedList({
    id: 'clients', caption: t('clients.title'), sort: 'clientid', filters,
    noun: n => t(n === 1 ? 'clients.one' : 'clients.many'),
    columns: [
      { title: t('clients.id'), sort: 'clientid', render: c => el('button', { class: 'link', onclick: () => show(c.clientid, c.node) }, c.clientid) },
      { title: t('clients.username'), sort: 'username', render: c => c.username || '–' },
      { title: t('topics.node'), key: 'node', hidden: !info.clustered },
      { title: t('clients.ip'), render: c => c.ip_address + ':' + c.port },
      { title: t('clients.status'), render: status },
      { title: t('clients.protocol'), render: c => Fmt.protocol(c.proto_ver) },
      { title: t('clients.keepalive'), key: 'keepalive' }, { title: t('clients.subs'), key: 'subscriptions_cnt' },
      { title: t('clients.connectedAt'), sort: 'connected_at', render: c => c.connected_at || '–' },
      // Kicking a disconnected session would only discard it: no destructive button that does not do what it says.
      { title: t('clients.actions'), render: c => (c.connected ? el('button', { class: 'danger', 'aria-label': t('clients.kickLabel', { id: c.clientid }), onclick: () => kick(c.clientid) }, t('clients.kick')) : '') }
    ],
    request: (l) => {
      const node = l.value('f-node');
      return {
        // One node's clients come from that node (GET /nodes/{node}/clients), the same filters apply.
        path: node ? '/nodes/' + encodeURIComponent(node) + '/clients' : '/clients',
        params: { _like_clientid: l.value('f-clientid'), _like_username: l.value('f-username'), _like_ip_address: l.value('f-ip'),
          conn_state: l.value('f-state'), proto_ver: l.value('f-proto') }
      };
    }
  });

  let shown = null, shownNode = null; // the client whose details are open, and its node
  const msg = el('p', { role: 'status', id: 'client-msg' });
  const fail = (e) => { msg.className = 'error'; msg.textContent = e.message; };
  const done = (text) => { msg.className = 'ok'; msg.textContent = text; };

  async function show(id, node) {
    shown = id; shownNode = node;
    msg.textContent = '';
    let c, subs;
    try {
      const path = node && info.clustered ? '/nodes/' + encodeURIComponent(node) : '';
      [c, subs] = await Promise.all([Api.get(path + '/clients/' + encodeURIComponent(id)), Api.get(path + '/subscriptions/' + encodeURIComponent(id))]);
    } catch (e) {
      details.hidden = false;
      details.replaceChildren(el('h2', { id: 'client-details-h' }, t('clients.details', { id })), el('p', { class: 'error', role: 'alert' }, e.message));
      return;
    }
    c = c.data[0];
    const topic = el('input', { id: 'sub-topic', required: true, autocomplete: 'off', placeholder: t('subs.filterHint') });
    const qos = el('select', { id: 'sub-qos' }, ['0', '1', '2'].map(q => el('option', { value: q }, q)));
    const fields = Object.entries(c).map(([k, v]) => ({ k, v: v == null ? '–' : k === 'proto_ver' ? Fmt.protocol(v) : String(v) }));
    details.hidden = false;
    details.replaceChildren(
      el('div', { class: 'title-row' }, el('h2', { id: 'client-details-h' }, t('clients.details', { id })),
        c.connected ? el('button', { class: 'danger', onclick: () => kick(id) }, t('clients.kickLabel', { id })) : el('span', { class: 'muted' }, t('clients.notConnected'))),
      msg,
      el('h3', {}, t('subs.title')),
      table([{ title: t('subs.topic'), key: 'topic' }, { title: t('subs.qos'), key: 'qos' },
        { title: t('clients.actions'), render: s => el('button', { class: 'secondary', 'aria-label': t('subs.removeLabel', { topic: s.topic }), onclick: () => unsubscribe(id, s.topic) }, t('subs.remove')) }],
      subs.data, t('subs.title')),
      el('form', { class: 'row', 'aria-label': t('subs.add'), onsubmit: (ev) => { ev.preventDefault(); subscribe(id, topic.value.trim(), Number(qos.value)); } },
        el('div', {}, el('label', { for: 'sub-topic' }, t('subs.filter')), topic),
        el('div', { class: 'narrow' }, el('label', { for: 'sub-qos' }, t('subs.qos')), qos),
        el('div', { class: 'actions' }, el('button', { type: 'submit' }, t('subs.add')))),
      el('details', {}, el('summary', {}, t('clients.allFields')),
        table([{ title: t('clients.field'), key: 'k' }, { title: t('clients.value'), key: 'v' }], fields, t('clients.details', { id }))));
    details.focus();
  }

  async function subscribe(id, topic, qos) {
    try {
      await Api.post('/mqtt/subscribe', { clientid: id, topic, qos });
      await show(id, shownNode);
      done(t('subs.added', { topic, id }));
      list.load();
    } catch (e) { fail(e); }
  }
  async function unsubscribe(id, topic) {
    try {
      await Api.post('/mqtt/unsubscribe', { clientid: id, topic });
      await show(id, shownNode);
      done(t('subs.removed', { topic, id }));
      list.load();
    } catch (e) { fail(e); }
  }
  async function kick(id) {
    if (!confirm(t('clients.kickConfirm', { id }))) return;
    try {
      await Api.del('/clients/' + encodeURIComponent(id));
      if (shown === id) { details.hidden = true; shown = null; }
      list.load();
    } catch (e) {
      if (shown === id) fail(e); else list.error.textContent = e.message;
    }
  }

  main.append(el('h1', {}, t('clients.title')), list.element, details);
  list.load();
};
