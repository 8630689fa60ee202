// Lists paged, sorted and filtered by the broker (the API's _page, _limit, _sort, _order and
// filters), so a page with 100 000 clients fetches one screenful, never the whole list.

// Runs fn once typing pauses for `ms`: a search field must not fetch on every keystroke.
function debounce(fn, ms) {
  let timer = null;
  const d = (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
  d.cancel = () => clearTimeout(timer);
  return d;
}

// Whether the broker is clustered and which nodes it has, asked once a minute at most.
const ClusterInfo = {
  at: 0, value: null,
  async get() {
    if (this.value && Date.now() - this.at < 60000) return this.value;
    const [s, n] = await Promise.all([Api.get('/status'), Api.get('/nodes')]);
    this.value = { clustered: !!s.data.clustered, self: s.data.node, nodes: n.data.map(x => x.node) };
    this.at = Date.now();
    return this.value;
  }
};

// The warning that some nodes did not answer, so their entries are missing from the list.
function unavailableBanner(nodes) {
  if (!nodes || !nodes.length) return null;
  return el('div', { class: 'banner warn', role: 'alert' }, t('list.unavailable'), ' ',
    nodes.map((n, i) => [i ? '; ' : '', el('strong', {}, n.node), ' (', n.reason, ')']));
}

// Filter fields: text fields reload once typing pauses, selects and checkboxes at once.
const Filter = {
  text(id, label, hint) {
    return { id, node: el('div', {}, el('label', { for: id }, label), el('input', { id, type: 'search', placeholder: hint || '', autocomplete: 'off' })), debounced: true };
  },
  select(id, label, options) {
    return { id, node: el('div', {}, el('label', { for: id }, label),
      el('select', { id }, options.map(([v, text]) => el('option', { value: v }, text)))) };
  },
  check(id, label) {
    return { id, node: el('div', { class: 'check' }, el('input', { id, type: 'checkbox' }), el('label', { for: id }, label)) };
  }
};

/**
 * One server-paged list.
 *   columns: [{ title, key | render, sort: '<_sort value>' }]
 *   request(state): { path, params } for the current filters, page and sort
 *   filters: Filter.* fields shown above the list
 * Fetches only when something changed; an answer to an older request is dropped (typing fast).
 */
class PagedList {
  constructor(opts) {
    this.opts = opts;
    this.page = 1; this.limit = opts.limit || 20;
    this.sort = opts.sort || null; this.order = 'asc';
    this.seq = 0;
    this.summary = el('p', { class: 'summary', role: 'status' });
    this.error = el('p', { class: 'error', role: 'alert' });
    this.banner = el('div');
    this.body = el('div', {}, el('p', { class: 'muted' }, t('loading')));
    this.size = el('select', { id: opts.id + '-size', onchange: () => { this.limit = Number(this.size.value); this.page = 1; this.load(); } },
      [10, 20, 50, 100, 500].map(n => el('option', { value: n, selected: n === this.limit }, n)));
    this.prev = el('button', { type: 'button', class: 'secondary', onclick: () => { this.page--; this.load(); } }, t('list.prev'));
    this.next = el('button', { type: 'button', class: 'secondary', onclick: () => { this.page++; this.load(); } }, t('list.next'));
    this.where = el('span', { class: 'page-of' });
    const reload = () => { this.page = 1; this.load(); };
    const typed = debounce(reload, 300);
    const bar = (opts.filters || []).map(f => f.node);
    for (const f of opts.filters || []) {
      const input = f.node.querySelector('input, select');
      input.addEventListener(f.debounced ? 'input' : 'change', f.debounced ? typed : reload);
    }
    this.element = el('section', { class: 'card list', 'aria-label': opts.caption },
      bar.length ? el('form', { class: 'row filters', role: 'search', onsubmit: (ev) => { ev.preventDefault(); typed.cancel(); reload(); } }, bar) : null,
      this.banner, this.error, this.summary, this.body,
      el('nav', { class: 'pager', 'aria-label': t('list.pages', { what: opts.caption }) },
        this.prev, this.where, this.next,
        el('span', { class: 'per-page' }, el('label', { for: opts.id + '-size', class: 'inline' }, t('list.size')), this.size)));
  }

  value(id) {
    const e = document.getElementById(id);
    if (!e) return '';
    return e.type === 'checkbox' ? e.checked : e.value.trim();
  }

  async load() {
    const seq = ++this.seq;
    const { path, params } = this.opts.request(this);
    const q = new URLSearchParams();
    Object.entries(params || {}).forEach(([k, v]) => { if (v !== '' && v != null && v !== false) q.set(k, v); });
    q.set('_page', this.page); q.set('_limit', this.limit);
    if (this.sort) { q.set('_sort', this.sort); q.set('_order', this.order); }
    let r;
    try {
      r = await Api.get(path + '?' + q);
    } catch (e) {
      // Only the error: the rows of the previous request would pass for the answer to this one.
      if (seq === this.seq) { this.error.textContent = e.message; this.summary.textContent = ''; this.body.replaceChildren(); this.banner.replaceChildren(); }
      return;
    }
    if (seq !== this.seq) return; // a newer request is on its way
    this.error.textContent = '';
    const count = r.meta.count, pages = Math.max(1, Math.ceil(count / this.limit));
    if (this.page > pages && count > 0) { this.page = pages; this.load(); return; } // the list shrank under us
    const from = count ? (this.page - 1) * this.limit + 1 : 0, to = (this.page - 1) * this.limit + r.data.length;
    this.summary.textContent = count ? t('list.showing', { from: Fmt.num(from), to: Fmt.num(to), count: Fmt.num(count), what: this.opts.noun(count) })
      : t('list.zero', { what: this.opts.noun(0) });
    this.where.textContent = t('list.pageOf', { page: Fmt.num(this.page), pages: Fmt.num(pages) });
    this.prev.disabled = this.page <= 1; this.next.disabled = this.page >= pages;
    this.banner.replaceChildren(...[unavailableBanner(r.unavailable_nodes)].filter(Boolean));
    this.body.replaceChildren(...(count ? [this.table(r.data)] : [])); // the summary already says "No ... match"
    this.element.dataset.count = String(count); // for the browser test
  }

  table(rows) {
    const cols = this.opts.columns.filter(c => !c.hidden);
    const head = cols.map(c => {
      if (!c.sort) return el('th', { scope: 'col' }, c.title);
      const active = this.sort === c.sort;
      return el('th', { scope: 'col', 'aria-sort': active ? (this.order === 'asc' ? 'ascending' : 'descending') : 'none' },
        el('button', { type: 'button', class: 'sort', onclick: () => {
          this.order = active && this.order === 'asc' ? 'desc' : 'asc';
          this.sort = c.sort; this.page = 1; this.load();
        } }, c.title, el('span', { 'aria-hidden': 'true' }, active ? (this.order === 'asc' ? ' ▲' : ' ▼') : '')));
    });
    return el('div', { class: 'scroll' }, el('table', {},
      el('caption', { class: 'skip' }, this.opts.caption),
      el('thead', {}, el('tr', {}, head)),
      el('tbody', {}, rows.length ? rows.map(r => el('tr', {}, cols.map(c => el('td', {}, c.render ? c.render(r) : r[c.key]))))
        : el('tr', {}, el('td', { colspan: cols.length }, t('list.none'))))));
  }
}

// The node filter's choices: every node, or one ("" = all).
function nodeOptions(info) {
  return [['', t('list.allNodes')], ...info.nodes.map(n => [n, n === info.self ? t('nodes.thisOne', { node: n }) : n])];
}
