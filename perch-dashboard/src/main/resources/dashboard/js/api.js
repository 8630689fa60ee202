// REST client for /api/v4. The bearer token lives in sessionStorage so closing the tab logs out.
const Api = {
  token: sessionStorage.getItem('perch.token'),
  onUnauthorized: () => {},
  async call(method, path, body) {
    // X-Requested-With: a 401 then challenges with Bearer, not Basic, so the browser's own
    // login dialog does not pop up over the login page.
    const headers = { 'Accept': 'application/json', 'X-Requested-With': 'XMLHttpRequest' };
    if (this.token) headers['Authorization'] = 'Bearer ' + this.token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch('/api/v4' + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = await res.json().catch(() => ({ code: res.status, message: res.statusText }));
    if (res.status === 401 && path !== '/auth') { this.onUnauthorized(); }
    if (!res.ok || json.code !== 0) throw new Error(json.message || t('api.httpError', { status: res.status }));
    return json;
  },
  get(path) { return this.call('GET', path); },
  post(path, body) { return this.call('POST', path, body); },
  put(path, body) { return this.call('PUT', path, body); },
  del(path) { return this.call('DELETE', path); },
  async login(username, password) {
    const r = await this.call('POST', '/auth', { username, password });
    this.token = r.data.token;
    sessionStorage.setItem('perch.token', this.token);
  },
  logout() { this.token = null; sessionStorage.removeItem('perch.token'); }
};

// Builds DOM safely: text is always set through textContent, never innerHTML.
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v === true) e.setAttribute(k, '');
    else if (v !== false && v != null) e.setAttribute(k, v);
  }
  for (const c of children.flat(Infinity)) e.append(c instanceof Node ? c : document.createTextNode(c == null ? '' : String(c)));
  return e;
}

// A table inside its own scrolling box, so a wide one scrolls within its card on a phone.
function table(columns, rows, caption) {
  return el('div', { class: 'scroll' }, el('table', {},
    el('caption', { class: 'skip' }, caption || ''),
    el('thead', {}, el('tr', {}, columns.map(c => el('th', { scope: 'col' }, c.title)))),
    el('tbody', {}, rows.length ? rows.map(r => el('tr', {}, columns.map(c => el('td', {}, c.render ? c.render(r) : r[c.key]))))
      : el('tr', {}, el('td', { colspan: columns.length }, t('nothing'))))));
}
