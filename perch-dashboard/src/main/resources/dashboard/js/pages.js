// One function per page: each fills <main> and returns a cleanup (timers) for when the user leaves.
const Pages = {};

Pages.clients = (main) => {
  const search = el('input', { id: 'client-search', type: 'search', placeholder: 'client id contains…' });
  const result = el('div', { class: 'card' });
  const details = el('div', { class: 'card', id: 'client-details', hidden: true });
  const load = async () => {
    const q = search.value.trim() ? '?_like_clientid=' + encodeURIComponent(search.value.trim()) : '';
    const r = await Api.get('/clients' + q);
    result.replaceChildren(el('p', {}, r.meta.count + ' client(s)'), table([
      { title: 'Client ID', render: c => el('button', { class: 'secondary', onclick: () => show(c) }, c.clientid) },
      { title: 'Username', key: 'username' }, { title: 'IP address', render: c => c.ip_address + ':' + c.port },
      { title: 'Status', render: c => el('span', {}, el('span', { class: 'status-dot' + (c.connected ? ' on' : '') }), c.connected ? 'connected' : 'disconnected') },
      { title: 'Keepalive', key: 'keepalive' }, { title: 'Subscriptions', key: 'subscriptions_cnt' },
      { title: 'Connected at', key: 'connected_at' },
      { title: 'Actions', render: c => el('button', { class: 'danger', 'aria-label': 'Kick out ' + c.clientid, onclick: () => kick(c.clientid) }, 'Kick out') }
    ], r.data, 'Clients'));
  };
  const show = async (c) => {
    const subs = await Api.get('/subscriptions/' + encodeURIComponent(c.clientid)).catch(() => ({ data: [] }));
    details.hidden = false;
    details.replaceChildren(el('h2', {}, 'Client ' + c.clientid),
      table([{ title: 'Field', key: 'k' }, { title: 'Value', key: 'v' }], Object.entries(c).map(([k, v]) => ({ k, v: v == null ? '—' : String(v) })), 'Client details'),
      el('h2', {}, 'Subscriptions'), table([{ title: 'Topic', key: 'topic' }, { title: 'QoS', key: 'qos' }], subs.data, 'Subscriptions'));
    details.focus();
  };
  const kick = async (id) => {
    if (!confirm('Kick out ' + id + '?')) return;
    await Api.del('/clients/' + encodeURIComponent(id)).catch(e => alert(e.message));
    details.hidden = true; load();
  };
  search.addEventListener('input', () => load());
  details.tabIndex = -1;
  main.append(el('h1', {}, 'Clients'), el('div', { class: 'card' }, el('label', { for: 'client-search' }, 'Search'), search), result, details);
  load();
};

Pages.subscriptions = async (main) => {
  main.append(el('h1', {}, 'Subscriptions'));
  const r = await Api.get('/subscriptions');
  main.append(el('div', { class: 'card' }, el('p', {}, r.meta.count + ' subscription(s)'), table([{ title: 'Client ID', key: 'clientid' }, { title: 'Topic', key: 'topic' }, { title: 'QoS', key: 'qos' }], r.data, 'Subscriptions')));
};

Pages.topics = async (main) => {
  main.append(el('h1', {}, 'Topics'));
  const r = await Api.get('/routes');
  main.append(el('div', { class: 'card' }, table([{ title: 'Topic', key: 'topic' }, { title: 'Node', key: 'node' }, { title: 'Subscribers', key: 'subscribers' }], r.data, 'Routes')));
};

Pages.retained = async (main) => {
  main.append(el('h1', {}, 'Retained messages'));
  const box = el('div', { class: 'card' });
  main.append(box);
  const load = async () => {
    const r = await Api.get('/mqtt/retained');
    box.replaceChildren(table([{ title: 'Topic', key: 'topic' }, { title: 'QoS', key: 'qos' },
      { title: 'Payload', render: m => el('pre', {}, m.payload + (m.encoding === 'base64' ? ' (base64)' : '')) },
      { title: 'From', key: 'from_clientid' }, { title: 'Published at', key: 'publish_at' },
      { title: 'Actions', render: m => el('button', { class: 'danger', 'aria-label': 'Delete retained message on ' + m.topic, onclick: async () => { await Api.del('/mqtt/retained/' + encodeURIComponent(m.topic)); load(); } }, 'Delete') }],
      r.data, 'Retained messages'));
  };
  load();
};

// Change the dashboard password (PUT /api/v4/change_pwd/{user}); every token is revoked, so log in again.
Pages.password = (main) => {
  main.append(el('h1', {}, 'Dashboard password'));
  const user = el('input', { id: 'pw-user', autocomplete: 'username', value: 'admin', required: true });
  const oldPw = el('input', { id: 'pw-old', type: 'password', autocomplete: 'current-password', required: true });
  const newPw = el('input', { id: 'pw-new', type: 'password', autocomplete: 'new-password', minlength: '8', required: true });
  const again = el('input', { id: 'pw-again', type: 'password', autocomplete: 'new-password', minlength: '8', required: true });
  const msg = el('p', { role: 'status' });
  const form = el('form', { class: 'card', onsubmit: async (ev) => {
    ev.preventDefault();
    msg.textContent = '';
    if (newPw.value !== again.value) { msg.textContent = 'The new passwords do not match.'; return; }
    try {
      await Api.put('/change_pwd/' + encodeURIComponent(user.value), { old_pwd: oldPw.value, new_pwd: newPw.value });
      oldPw.value = newPw.value = again.value = '';
      msg.textContent = 'Password changed. Every session was logged out: log in again.';
      setTimeout(() => Api.onUnauthorized(), 1500);
    } catch (e) { msg.textContent = e.message; }
  } },
    el('label', { for: 'pw-user' }, 'User'), user,
    el('label', { for: 'pw-old' }, 'Current password'), oldPw,
    el('label', { for: 'pw-new' }, 'New password (at least 8 characters)'), newPw,
    el('label', { for: 'pw-again' }, 'New password again'), again,
    el('button', { type: 'submit' }, 'Change password'), msg);
  main.append(form);
};
