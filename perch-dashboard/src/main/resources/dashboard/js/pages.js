// One function per page: each fills <main> and returns a cleanup (timers) for when the user leaves.
const Pages = {};

Pages.clients = (main) => {
  const search = el('input', { id: 'client-search', type: 'search', placeholder: t('clients.searchHint') });
  const result = el('div', { class: 'card' });
  const details = el('div', { class: 'card', id: 'client-details', hidden: true });
  const load = async () => {
    const q = search.value.trim() ? '?_like_clientid=' + encodeURIComponent(search.value.trim()) : '';
    const r = await Api.get('/clients' + q);
    result.replaceChildren(el('p', {}, t('clients.count', { n: r.meta.count })), table([
      { title: t('clients.id'), render: c => el('button', { class: 'link', onclick: () => show(c) }, c.clientid) },
      { title: t('clients.username'), key: 'username' }, { title: t('clients.ip'), render: c => c.ip_address + ':' + c.port },
      { title: t('clients.status'), render: c => el('span', {}, el('span', { class: 'status-dot' + (c.connected ? ' on' : '') }), t(c.connected ? 'clients.connected' : 'clients.disconnected')) },
      { title: t('clients.protocol'), render: c => Fmt.protocol(c.proto_ver) },
      { title: t('clients.keepalive'), key: 'keepalive' }, { title: t('clients.subs'), key: 'subscriptions_cnt' },
      { title: t('clients.connectedAt'), key: 'connected_at' },
      // Kicking a disconnected session would only discard it: no destructive button that does not do what it says.
      { title: t('clients.actions'), render: c => (c.connected ? el('button', { class: 'danger', 'aria-label': t('clients.kickLabel', { id: c.clientid }), onclick: () => kick(c.clientid) }, t('clients.kick')) : '') }
    ], r.data, t('clients.title')));
  };
  const show = async (c) => {
    const subs = await Api.get('/subscriptions/' + encodeURIComponent(c.clientid)).catch(() => ({ data: [] }));
    details.hidden = false;
    details.replaceChildren(el('h2', {}, t('clients.details', { id: c.clientid })),
      table([{ title: t('clients.field'), key: 'k' }, { title: t('clients.value'), key: 'v' }], Object.entries(c).map(([k, v]) => ({ k, v: v == null ? '—' : k === 'proto_ver' ? Fmt.protocol(v) : String(v) })), t('clients.details', { id: c.clientid })),
      el('h2', {}, t('subs.title')), table([{ title: t('subs.topic'), key: 'topic' }, { title: t('subs.qos'), key: 'qos' }], subs.data, t('subs.title')));
    details.focus();
  };
  const kick = async (id) => {
    if (!confirm(t('clients.kickConfirm', { id }))) return;
    await Api.del('/clients/' + encodeURIComponent(id)).catch(e => alert(e.message));
    details.hidden = true; load();
  };
  search.addEventListener('input', () => load());
  details.tabIndex = -1;
  main.append(el('h1', {}, t('clients.title')), el('div', { class: 'card' }, el('label', { for: 'client-search' }, t('clients.search')), search), result, details);
  load();
};

Pages.subscriptions = async (main) => {
  main.append(el('h1', {}, t('subs.title')));
  const r = await Api.get('/subscriptions');
  main.append(el('div', { class: 'card' }, el('p', {}, t('subs.count', { n: r.meta.count })), table([{ title: t('clients.id'), key: 'clientid' }, { title: t('subs.topic'), key: 'topic' }, { title: t('subs.qos'), key: 'qos' }], r.data, t('subs.title'))));
};

Pages.topics = async (main) => {
  main.append(el('h1', {}, t('topics.title')));
  const r = await Api.get('/routes');
  main.append(el('div', { class: 'card' }, table([{ title: t('topics.topic'), key: 'topic' }, { title: t('topics.node'), key: 'node' }, { title: t('topics.subscribers'), key: 'subscribers' }], r.data, t('topics.title'))));
};

Pages.retained = async (main) => {
  main.append(el('h1', {}, t('retained.title')));
  const box = el('div', { class: 'card' });
  main.append(box);
  const load = async () => {
    const r = await Api.get('/mqtt/retained');
    box.replaceChildren(table([{ title: t('topics.topic'), key: 'topic' }, { title: t('subs.qos'), key: 'qos' },
      { title: t('retained.payload'), render: m => el('pre', {}, m.payload + (m.encoding === 'base64' ? ' ' + t('retained.base64') : '')) },
      { title: t('retained.from'), key: 'from_clientid' }, { title: t('retained.at'), key: 'publish_at' },
      { title: t('clients.actions'), render: m => el('button', { class: 'danger', 'aria-label': t('retained.deleteLabel', { topic: m.topic }), onclick: async () => { await Api.del('/mqtt/retained/' + encodeURIComponent(m.topic)); load(); } }, t('retained.delete')) }],
      r.data, t('retained.title')));
  };
  load();
};

// Change the dashboard password (PUT /api/v4/change_pwd/{user}); every token is revoked, so log in again.
Pages.password = (main) => {
  main.append(el('h1', {}, t('password.title')));
  const user = el('input', { id: 'pw-user', autocomplete: 'username', value: 'admin', required: true });
  const oldPw = el('input', { id: 'pw-old', type: 'password', autocomplete: 'current-password', required: true });
  const newPw = el('input', { id: 'pw-new', type: 'password', autocomplete: 'new-password', minlength: '8', required: true });
  const again = el('input', { id: 'pw-again', type: 'password', autocomplete: 'new-password', minlength: '8', required: true });
  const msg = el('p', { role: 'status' });
  const form = el('form', { class: 'card', onsubmit: async (ev) => {
    ev.preventDefault();
    msg.textContent = '';
    if (newPw.value !== again.value) { msg.textContent = t('password.mismatch'); return; }
    try {
      await Api.put('/change_pwd/' + encodeURIComponent(user.value), { old_pwd: oldPw.value, new_pwd: newPw.value });
      oldPw.value = newPw.value = again.value = '';
      msg.textContent = t('password.changed');
      setTimeout(() => Api.onUnauthorized(), 1500);
    } catch (e) { msg.textContent = e.message; }
  } },
    el('label', { for: 'pw-user' }, t('password.user')), user,
    el('label', { for: 'pw-old' }, t('password.current')), oldPw,
    el('label', { for: 'pw-new' }, t('password.new')), newPw,
    el('label', { for: 'pw-again' }, t('password.again')), again,
    el('button', { type: 'submit' }, t('password.submit')), msg);
  main.append(form);
};
