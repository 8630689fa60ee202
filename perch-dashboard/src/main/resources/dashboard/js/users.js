// The Users page: the MQTT users of the password file (auth.file.password_file), searched and
// paged by the broker; add a user, change a password, delete one. The broker writes the file as
// bin/perch passwd does and reloads it within auth.file.reload_interval.

Pages.users = async (main) => {
  main.append(el('h1', {}, t('users.title')));
  const sources = (await Api.get('/auth/sources')).data;
  const file = (sources.sources.find(s => s.kind === 'file' && s.configured) || {}).password_file;
  if (!file) {
    main.append(el('section', { class: 'card', id: 'users-none' }, el('p', {}, t('users.noFile')),
      el('p', { class: 'muted' }, t('users.noFileHow'))));
    return;
  }
  const msg = el('p', { role: 'status', id: 'users-msg' });
  const fail = (e) => { msg.className = 'error'; msg.textContent = e.message; };
  const done = (text) => { msg.className = 'ok'; msg.textContent = text; };
  const list = new PagedList({
    id: 'users', caption: t('users.title'),
    filters: [Filter.text('f-user', t('users.username'), t('filter.contains'))],
    noun: n => t(n === 1 ? 'users.one' : 'users.many'),
    columns: [
      { title: t('users.username'), key: 'username' },
      { title: t('users.hash'), key: 'hash' },
      { title: t('users.superuser'), render: u => t(u.superuser ? 'yes' : 'no') },
      { title: t('clients.actions'), render: u => el('span', { class: 'actions inline-actions' },
        el('button', { type: 'button', class: 'secondary', 'aria-label': t('users.changeLabel', { user: u.username }), onclick: () => askPassword(u.username) }, t('users.change')),
        el('button', { type: 'button', class: 'danger', 'aria-label': t('users.deleteLabel', { user: u.username }), onclick: () => remove(u.username) }, t('users.delete'))) }
    ],
    request: (l) => ({ path: '/auth/users', params: { _like_username: l.value('f-user') } })
  });

  const name = el('input', { id: 'user-name', required: true, autocomplete: 'off', pattern: '[^:]+' });
  const pw = el('input', { id: 'user-pw', type: 'password', required: true, autocomplete: 'new-password' });
  const add = el('form', { class: 'card', id: 'user-add', 'aria-labelledby': 'user-add-h', onsubmit: async (ev) => {
    ev.preventDefault();
    const username = name.value.trim();
    try {
      await Api.post('/auth/users', { username, password: pw.value });
      name.value = pw.value = '';
      done(t('users.added', { user: username }));
      list.load();
    } catch (e) { fail(e); }
  } },
    el('h2', { id: 'user-add-h' }, t('users.add')),
    el('div', { class: 'row' },
      el('div', {}, el('label', { for: 'user-name' }, t('users.username')), name),
      el('div', {}, el('label', { for: 'user-pw' }, t('users.password')), pw),
      el('div', { class: 'actions' }, el('button', { type: 'submit' }, t('users.add')))));

  // Changing a password: a small form under the list for the chosen user.
  const change = el('form', { class: 'card', id: 'user-change', hidden: true, 'aria-labelledby': 'user-change-h' });
  function askPassword(user) {
    const input = el('input', { id: 'user-newpw', type: 'password', required: true, autocomplete: 'new-password' });
    change.replaceChildren(el('h2', { id: 'user-change-h' }, t('users.changeLabel', { user })),
      el('div', { class: 'row' }, el('div', {}, el('label', { for: 'user-newpw' }, t('users.newPassword')), input),
        el('div', { class: 'actions' }, el('button', { type: 'submit' }, t('users.change')),
          el('button', { type: 'button', class: 'secondary', onclick: () => { change.hidden = true; } }, t('users.cancel')))));
    change.onsubmit = async (ev) => {
      ev.preventDefault();
      try {
        await Api.put('/auth/users/' + encodeURIComponent(user), { password: input.value });
        change.hidden = true;
        done(t('users.changed', { user }));
      } catch (e) { fail(e); }
    };
    change.hidden = false;
    input.focus();
  }
  async function remove(user) {
    if (!confirm(t('users.deleteConfirm', { user }))) return;
    try {
      await Api.del('/auth/users/' + encodeURIComponent(user));
      done(t('users.deleted', { user }));
      list.load();
    } catch (e) { fail(e); }
  }

  main.append(el('p', { class: 'muted' }, t('users.note', { path: file.path })), msg, list.element, change, add);
  list.load();
};
