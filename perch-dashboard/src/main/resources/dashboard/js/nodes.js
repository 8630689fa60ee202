// The Nodes page: every node Redis lists (GET /nodes), this one marked, with its state, version,
// uptime, heartbeat age and connections (this node's from /nodes, the others' from the cluster's
// /stats). On a single node it lists that one node.

Pages.nodes = (main) => {
  const box = el('section', { class: 'card', 'aria-labelledby': 'nodes-h' }, el('h2', { id: 'nodes-h' }, t('nodes.list')), el('p', { class: 'muted' }, t('loading')));
  const note = el('p', { class: 'muted' });
  main.append(el('h1', {}, t('nodes.title')), box, note);
  // Another node's uptime is known from the start time it announced.
  const uptime = n => (n.uptime_seconds != null ? n.uptime_seconds
    : n.details && n.details.started_at ? (Date.now() - Number(n.details.started_at)) / 1000 : null);
  const load = async () => {
    const [s, r] = await Promise.all([Api.get('/status'), Api.get('/nodes')]);
    const self = s.data.node;
    // In a cluster /stats has an entry per node that answered: the other nodes' connections.
    const conns = {};
    if (s.data.clustered) {
      const st = await Api.get('/stats').catch(() => null);
      (st && st.data || []).forEach(e => { conns[e.node] = e.stats && e.stats['connections.count']; });
    }
    const connections = n => (n.connections != null ? n.connections : conns[n.node]);
    box.replaceChildren(el('h2', { id: 'nodes-h' }, t('nodes.list')), table([
      { title: t('node.name'), render: n => el('span', {}, n.node, n.node === self ? [' ', el('span', { class: 'badge self' }, t('nodes.this'))] : '') },
      { title: t('pool.state'), render: n => el('span', { class: 'badge ' + (n.node_status === 'Running' ? 'up' : 'down') }, t(n.node_status === 'Running' ? 'nodes.running' : 'nodes.stopped')) },
      { title: t('node.version'), render: n => n.version || '–' },
      { title: t('node.uptime'), render: n => Fmt.duration(uptime(n)) },
      { title: t('nodes.heartbeat'), render: n => (n.heartbeat_age_ms == null ? '–' : t('nodes.ago', { age: Fmt.duration(n.heartbeat_age_ms / 1000) })) },
      { title: t('stat.connections'), render: n => (connections(n) == null ? '–' : Fmt.num(connections(n))) }
    ], r.data, t('nodes.list')));
    box.dataset.nodes = String(r.data.length);
    note.textContent = s.data.clustered ? t('nodes.clustered') : t('nodes.single');
  };
  load().catch(e => box.replaceChildren(el('p', { class: 'error', role: 'alert' }, e.message)));
  const timer = setInterval(() => load().catch(() => {}), 5000);
  return () => clearInterval(timer);
};
