// Shell: the static page's strings, login, hash routing between pages, and the default-password banner.
(function () {
  localize(document);
  document.documentElement.lang = Lang;
  const passwordSource = el('code', { id: 'default-password-source' });
  document.getElementById('default-password-banner').replaceChildren(...tNodes('banner.defaultPassword', {
    source: passwordSource, page: el('a', { href: '#/password' }, t('nav.password')),
    command: el('code', {}, 'bin/perch ctl admins passwd') }));
  const loginView = document.getElementById('login-view'), appView = document.getElementById('app-view');
  const main = document.getElementById('main');
  let cleanup = null;

  function showLogin() {
    Api.logout();
    WsTool.close(); // a logged-out tab keeps no MQTT connection open
    appView.hidden = true; loginView.hidden = false;
    document.getElementById('login-pass').focus();
  }
  Api.onUnauthorized = showLogin;

  async function route() {
    if (!Api.token) { showLogin(); return; }
    loginView.hidden = true; appView.hidden = false;
    const name = (location.hash.replace(/^#\//, '') || 'overview');
    const page = Pages[name] || Pages.overview;
    if (cleanup) { cleanup(); cleanup = null; }
    setMenu(false);
    main.replaceChildren();
    document.querySelectorAll('nav a').forEach(a => {
      if (a.getAttribute('href') === '#/' + name) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    });
    try { cleanup = (await page(main)) || null; } catch (e) { main.append(el('p', { class: 'error', role: 'alert' }, e.message)); }
    AlarmBadge.refresh();
    Api.get('/status').then(r => {
      passwordSource.textContent = r.data.password_source || '';
      document.getElementById('default-password-banner').hidden = !r.data.default_password;
    }).catch(() => {});
  }

  document.getElementById('login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const err = document.getElementById('login-error');
    err.textContent = '';
    try {
      await Api.login(document.getElementById('login-user').value, document.getElementById('login-pass').value);
      if (!location.hash) location.hash = '#/overview'; else route();
    } catch (e) { err.textContent = e.message; }
  });
  // On a phone the menu folds behind a button (style.css); choosing a page folds it again.
  const header = document.querySelector('header'), toggle = document.getElementById('menu-toggle');
  function setMenu(open) { header.classList.toggle('open', open); toggle.setAttribute('aria-expanded', String(open)); }
  toggle.addEventListener('click', () => setMenu(!header.classList.contains('open')));
  document.getElementById('logout').addEventListener('click', () => { showLogin(); });
  window.addEventListener('hashchange', route);
  // The menu's alarm count follows new alarms on any page, not only on page changes.
  setInterval(() => { if (Api.token) AlarmBadge.refresh(); }, 15000);
  route();
})();
