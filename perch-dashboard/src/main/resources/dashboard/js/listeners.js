// The Listeners page: every MQTT listener (GET /listeners) with its protocol, address, open
// connections against its limit and TLS settings; in a cluster one row per node's listener.

// The protocol as people name it, not the config's type.
function listenerProtocol(l) {
  const type = l.type || String(l.protocol || '').replace(/^mqtt:/, '');
  return ({ tcp: t('listener.tcp'), ssl: t('listener.ssl'), ws: t('listener.ws'), wss: t('listener.wss') })[type] || type;
}

function listenerTls(l) {
  if (!l.tls) return t('listener.tls.none');
  return l.verify_peer ? t('listener.tls.verify') : t('listener.tls.noVerify');
}

Pages.listeners = async (main) => {
  const info = await ClusterInfo.get();
  const box = el('section', { class: 'card', 'aria-labelledby': 'listeners-h' }, el('h2', { id: 'listeners-h' }, t('listeners.list')),
    el('p', { class: 'muted' }, t('loading')));
  main.append(el('h1', {}, t('listeners.title')), box, el('p', { class: 'muted' }, t('listeners.note')));
  const limit = (n) => (n > 0 ? Fmt.num(n) : t('listener.noLimit'));
  const load = async () => {
    const r = await Api.get('/listeners');
    const rows = [];
    r.data.forEach(n => (n.listeners || []).forEach(l => rows.push(Object.assign({ node: n.node }, l))));
    const columns = [
      { title: t('alarms.node'), key: 'node', hidden: !info.clustered },
      { title: t('listeners.name'), render: l => el('code', {}, l.identifier) },
      { title: t('listener.protocol'), render: listenerProtocol },
      { title: t('listeners.address'), render: l => l.listen_on + (l.path || '') },
      { title: t('listeners.connections'), render: l => t('listener.conns', { n: Fmt.num(l.current_conns), max: limit(l.max_conns) }) },
      { title: t('listener.tls'), render: listenerTls },
      { title: t('listener.perIp'), render: l => limit(l.max_conn_per_ip) },
      { title: t('listener.rate'), render: l => (l.max_conn_rate > 0 ? t('listener.perSecond', { n: Fmt.num(l.max_conn_rate) }) : t('listener.noLimit')) }
    ].filter(c => !c.hidden);
    box.replaceChildren(el('h2', { id: 'listeners-h' }, t('listeners.list')),
      ...[unavailableBanner(r.unavailable_nodes)].filter(Boolean), table(columns, rows, t('listeners.list')));
    box.dataset.listeners = String(rows.length);
  };
  load().catch(e => box.replaceChildren(el('p', { class: 'error', role: 'alert' }, e.message)));
  const timer = setInterval(() => load().catch(() => {}), 5000);
  return () => clearInterval(timer);
};
