// The overview: live figures, the broker's own history of them (GET /metrics/history, kept by the
// broker for an hour, so the charts survive page switches and reloads) and this node's details.

// The tab's copy of the broker's history; later polls ask only for what is newer.
const History = {
  samples: [], intervalMs: 5000, capacity: 720,
  async refresh() {
    const last = this.samples.length ? this.samples[this.samples.length - 1].ts : 0;
    const r = await Api.get('/metrics/history?since=' + last);
    this.intervalMs = r.data.interval_ms;
    if (r.data.capacity) this.capacity = r.data.capacity;
    this.samples = this.samples.concat(r.data.samples).slice(-this.capacity);
    return this.samples;
  }
};

// A label/value list (dl) from [label, value] pairs.
function facts(pairs, id) {
  return el('dl', { class: 'facts', id }, pairs.map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

Pages.overview = (main) => {
  const stat = (key, id) => el('div', { class: 'card stat' }, el('div', { class: 'label' }, t(key)), el('div', { class: 'value', id }, '–'));
  const chartCard = (title, id) => el('section', { class: 'card chart', 'aria-labelledby': id + '-h' },
    el('h2', { id: id + '-h' }, title), el('div', { class: 'plot', id, role: 'img', 'aria-label': title }));
  const note = el('p', { class: 'muted', id: 'chart-note' });
  const node = el('section', { class: 'card', 'aria-labelledby': 'node-h' }, el('h2', { id: 'node-h' }, t('node.title')), el('p', { class: 'muted' }, t('loading')));
  const listeners = el('section', { class: 'card', 'aria-labelledby': 'listeners-h' }, el('h2', { id: 'listeners-h' }, t('listeners.title')));
  const redisCard = chartCard(t('chart.redis'), 'chart-redis');
  main.append(el('h1', {}, t('overview.title')),
    el('div', { class: 'grid' }, stat('stat.connections', 'st-conn'), stat('stat.subscriptions', 'st-subs'), stat('stat.topics', 'st-topics'),
      stat('stat.retained', 'st-retained'), stat('stat.in', 'st-in'), stat('stat.out', 'st-out')),
    note,
    el('div', { class: 'charts' }, chartCard(t('chart.connections'), 'chart-conn'), chartCard(t('chart.messages'), 'chart-msg'), redisCard),
    el('div', { class: 'charts' }, node, listeners));

  const charts = [
    new TimeChart(document.getElementById('chart-conn'), { integer: true }, [
      { label: t('chart.conn'), key: 'connections', color: '--s1', fmt: Fmt.num },
      { label: t('chart.sessions'), key: 'sessions', color: '--s2', fmt: Fmt.num }]),
    new TimeChart(document.getElementById('chart-msg'), {}, [
      { label: t('chart.in'), key: 'received_rate', color: '--s3' },
      { label: t('chart.out'), key: 'sent_rate', color: '--s4' },
      { label: t('chart.dropped'), key: 'dropped_rate', color: '--s5' }]),
    new TimeChart(document.getElementById('chart-redis'), {}, [
      { label: t('chart.latency'), key: 'redis_latency_ms', color: '--s1', fmt: Fmt.ms },
      { label: t('chart.backlog'), key: 'redis_backlog', color: '--s5', scale: 'backlog', fmt: Fmt.num }])
  ];
  const set = (id, v) => { document.getElementById(id).textContent = v; };

  const showNode = (n) => {
    node.replaceChildren(el('h2', { id: 'node-h' }, t('node.title')), facts([
      [t('node.name'), n.node], [t('node.version'), n.version], [t('node.uptime'), Fmt.duration(n.uptime_seconds)],
      [t('node.java'), n.otp_release],
      [t('node.heap'), t('node.heap.value', { used: Fmt.bytes(n.memory_used), max: Fmt.bytes(n.memory_max) })],
      [t('node.cpu'), Fmt.percent(n.process_cpu)], [t('node.load'), Fmt.dec(n.load1, 2)],
      [t('node.loops'), n.io_threads ? String(n.io_threads) : '–']], 'node-facts'));
    listeners.replaceChildren(el('h2', { id: 'listeners-h' }, t('listeners.title')), el('div', { class: 'scroll' }, table([
      { title: t('listeners.name'), key: 'name' }, { title: t('listeners.type'), key: 'type' },
      { title: t('listeners.address'), render: l => l.address + ':' + l.port + (l.path || '') },
      { title: t('listeners.connections'), render: l => Fmt.num(l.connections) },
      { title: t('listeners.max'), render: l => (l.max_connections > 0 ? Fmt.num(l.max_connections) : t('none')) }],
    n.listeners || [], t('listeners.title'))));
  };

  const tick = async () => {
    try {
      const [s, nodes, samples] = await Promise.all([Api.get('/stats'), Api.get('/nodes'), History.refresh()]);
      const st = s.data[0].stats;
      set('st-conn', st['connections.count']); set('st-subs', st['subscriptions.count']);
      set('st-topics', st['topics.count']); set('st-retained', st['retained.count']);
      const last = samples[samples.length - 1];
      set('st-in', last ? Fmt.dec(last.received_rate) : '–'); set('st-out', last ? Fmt.dec(last.sent_rate) : '–');
      const every = Fmt.interval(History.intervalMs);
      note.textContent = samples.length ? t('chart.note', { every }) : t('chart.empty', { every });
      // The Redis chart only where a Redis backend reports; an empty chart would read as "no latency".
      redisCard.hidden = !samples.some(x => x.redis_backlog != null || x.redis_latency_ms != null);
      charts.forEach(c => c.setSamples(samples));
      showNode(nodes.data.find(n => n.listeners) || nodes.data[0]);
    } catch (e) { /* a failed poll is retried on the next tick */ }
  };
  tick();
  const timer = setInterval(tick, 2000);
  return () => { clearInterval(timer); charts.forEach(c => c.destroy()); };
};
