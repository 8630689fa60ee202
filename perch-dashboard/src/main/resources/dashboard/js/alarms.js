// The Alarms page: what is wrong now (GET /alarms?activated=true) and what was wrong before
// (?activated=false, the newest 1,000 cleared alarms of each node, kept in memory until restart),
// with a button that forgets the history. In a cluster the API answers for every node, so a node
// column shows when there is more than one. The count of active alarms shows next to "Alarms" in the menu.

// The menu's badge: the active alarms' count, hidden at 0; refreshed on each page change and poll.
const AlarmBadge = {
  async refresh() {
    const badge = document.getElementById('alarm-count');
    try {
      const r = await Api.get('/alarms?activated=true&_limit=1');
      badge.textContent = Fmt.num(r.meta.count);
      badge.hidden = !r.meta.count;
    } catch (e) { badge.hidden = true; }
  }
};

// An alarm's details as "key: value" lines; nested values as JSON.
function alarmDetails(d) {
  const lines = Object.entries(d || {}).filter(([, v]) => v != null)
    .map(([k, v]) => k.replace(/_/g, ' ') + ': ' + (/(_since|_at)$/.test(k) && typeof v === 'number' ? Fmt.dateTime(v)
      : typeof v === 'object' ? (Array.isArray(v) ? v.join(', ') : JSON.stringify(v)) : v));
  return lines.length ? el('pre', {}, lines.join('\n')) : '–';
}

Pages.alarms = async (main) => {
  const info = await ClusterInfo.get();
  const tabs = [['current', 'true'], ['history', 'false']];
  const panel = el('div', { id: 'alarms-panel', role: 'tabpanel' });
  const msg = el('p', { role: 'status', class: 'summary' });
  let list = null;
  // What the alarm is about in words, its name (as the API and $SYS give it) below.
  const name = a => {
    const key = 'alarm.' + a.name.split('/')[0];
    return el('span', {}, t(key) === key ? '' : [t(key), el('br')], el('code', { class: 'muted' }, a.name));
  };
  const columns = (history) => [
    { title: t('alarms.node'), key: 'node', hidden: info.nodes.length < 2 },
    { title: t('alarms.name'), render: name },
    { title: t('alarms.message'), render: a => el('span', { class: 'wrap' }, a.message) },
    { title: t('alarms.details'), render: a => alarmDetails(a.details) },
    { title: t('alarms.raised'), render: a => Fmt.since(a.activated_at) },
    { title: t('alarms.cleared'), hidden: !history, render: a => Fmt.dateTime(a.deactivated_at) },
    { title: t('alarms.lasted'), hidden: !history, render: a => Fmt.duration((a.deactivated_at - a.activated_at) / 1000) }];
  const clear = el('button', { type: 'button', class: 'danger', hidden: true, onclick: async () => {
    if (!confirm(t('alarms.clearConfirm'))) return;
    try {
      const r = await Api.del('/alarms/deactivated');
      const kept = (r.unavailable_nodes || []).map(n => n.node);
      msg.textContent = kept.length ? t('alarms.cleared.partial', { nodes: kept.join(', ') }) : t('alarms.cleared.done');
      list.load();
    } catch (e) { msg.textContent = e.message; }
  } }, t('alarms.clear'));
  const tabButtons = tabs.map(([id]) => el('button', { type: 'button', role: 'tab', id: 'alarms-tab-' + id, class: 'tab',
    'aria-controls': 'alarms-panel', onclick: () => show(id) }, t('alarms.tab.' + id)));
  const show = (id) => {
    const history = id === 'history';
    tabButtons.forEach((b, i) => b.setAttribute('aria-selected', String(tabs[i][0] === id)));
    panel.setAttribute('aria-labelledby', 'alarms-tab-' + id);
    clear.hidden = !history;
    msg.textContent = '';
    list = new PagedList({ id: 'alarms-' + id, caption: t('alarms.tab.' + id), columns: columns(history),
      noun: n => t(history ? (n === 1 ? 'alarms.cleared.one' : 'alarms.cleared.many') : (n === 1 ? 'alarms.one' : 'alarms.many')),
      request: () => ({ path: '/alarms', params: { activated: tabs.find(x => x[0] === id)[1] } }) });
    panel.replaceChildren(list.element);
    list.load();
  };
  main.append(el('h1', {}, t('alarms.title')),
    el('div', { class: 'title-row' }, el('div', { role: 'tablist', 'aria-label': t('alarms.title'), class: 'tabs' }, tabButtons), clear),
    msg, panel, el('p', { class: 'muted' }, t(info.clustered ? 'alarms.note.cluster' : 'alarms.note')));
  show('current');
  const timer = setInterval(() => { if (list) list.load(); AlarmBadge.refresh(); }, 5000);
  return () => clearInterval(timer);
};
