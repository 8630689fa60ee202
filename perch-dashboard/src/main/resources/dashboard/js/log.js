// The Log page: this node's most recent log lines (GET /log/recent, the newest 100), narrowed by
// level and a search that waits for typing to pause; refreshed every 5 s while it is open.

Pages.log = (main) => {
  const level = el('select', { id: 'log-level' }, ['all', 'error', 'warn', 'info', 'debug'].map(v => el('option', { value: v, selected: v === 'info' }, t('log.level.' + v))));
  const search = el('input', { id: 'log-q', type: 'search', placeholder: t('log.searchHint'), autocomplete: 'off' });
  const summary = el('p', { class: 'summary', role: 'status' });
  const error = el('p', { class: 'error', role: 'alert' });
  const body = el('div', {}, el('p', { class: 'muted' }, t('loading')));
  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    try {
      const params = new URLSearchParams({ level: level.value, _limit: '100' });
      if (search.value.trim()) params.set('q', search.value.trim());
      const r = await Api.get('/log/recent?' + params);
      if (mine !== seq) return; // an older answer after a newer request (typing fast)
      error.textContent = '';
      summary.textContent = t('log.summary', { shown: Fmt.num(r.data.length), kept: Fmt.num(r.meta.kept), logged: Fmt.num(r.meta.logged) });
      body.replaceChildren(table([
        { title: t('log.time'), render: l => Fmt.dateTime(l.time) },
        { title: t('log.levelCol'), render: l => el('span', { class: 'badge level-' + l.level }, l.level) },
        { title: t('log.logger'), render: l => el('span', { title: l.logger + ' [' + l.thread + ']' }, l.logger.replace(/^.*\./, '')) },
        { title: t('log.message'), render: l => el('pre', {}, l.message + (l.error ? '\n' + l.error : '')) }
      ], r.data, t('log.title')));
    } catch (e) { if (mine === seq) error.textContent = e.message; }
  };
  const typed = debounce(load, 300);
  level.addEventListener('change', load);
  search.addEventListener('input', typed);
  main.append(el('h1', {}, t('log.title')),
    el('section', { class: 'card list', 'aria-label': t('log.title') },
      el('form', { class: 'row filters', role: 'search', onsubmit: (ev) => { ev.preventDefault(); typed.cancel(); load(); } },
        el('div', {}, el('label', { for: 'log-level' }, t('log.levelFilter')), level),
        el('div', {}, el('label', { for: 'log-q' }, t('log.search')), search)),
      error, summary, body),
    el('p', { class: 'muted' }, t('log.note')));
  load();
  const timer = setInterval(load, 5000);
  return () => { clearInterval(timer); typed.cancel(); };
};
