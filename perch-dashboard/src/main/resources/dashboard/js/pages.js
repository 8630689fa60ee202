// One function per page, each in its own file (clients.js, retained.js...): it fills <main> and
// may return a cleanup (timers) for when the user leaves. The Password page is here, being small.
const Pages = {};

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
