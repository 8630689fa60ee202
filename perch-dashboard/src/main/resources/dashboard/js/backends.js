// The Redis backend page: each pool's state (from the backend's own status, GET /backends), the
// server's INFO essentials, the rules with their runs, durable sessions, and every meter. While
// Redis is down the page says so (down, since when, why) and keeps the last INFO it had.

// Sum of a meter's values over the meters with this name and these tags.
function meterValue(meters, name, tags, stat) {
  return meters.filter(m => m.name === name && Object.entries(tags).every(([k, v]) => m.tags[k] === v))
    .reduce((sum, m) => sum + (m.values[stat] || 0), 0);
}

Pages.backends = (main) => {
  const body = el('div', {}, el('p', { class: 'muted' }, t('loading')));
  main.append(el('h1', {}, t('backends.title')), body);
  let prev = null; // the previous poll's rule counts, for runs per second

  const state = (p) => el('span', {}, el('span', { class: 'badge ' + p.state }, t('pool.' + p.state)));
  const poolCard = (b, p) => {
    const id = 'pool-' + p.name;
    const rows = [
      [t('pool.state'), state(p)], [t('pool.since'), Fmt.since(p.since)],
      [t('pool.server'), p.servers.join(', ') || '–'], [t('pool.mode'), p.mode],
      [t('pool.latency.mean'), Fmt.ms(p.latency_mean_ms)], [t('pool.latency.max'), Fmt.ms(p.latency_max_ms)],
      [t('pool.backlog'), t('pool.backlog.value', { n: Fmt.num(p.backlog), max: Fmt.num(p.backlog_max) })],
      [t('pool.replayed'), t('pool.replayed.value', { last: Fmt.num(p.last_replay), total: Fmt.num(p.replayed_total) })],
      [t('pool.dropped'), Fmt.num(meterValue(b.meters, 'backend.redis.backlog.dropped', { pool: p.name }, 'count'))],
      [t('pool.connectFailed'), Fmt.num(meterValue(b.meters, 'backend.redis.connect.failed', { pool: p.name }, 'count'))],
      [t('pool.durability'), p.durability === 'redis' ? t('pool.durability.reply') : p.durability]];
    if (p.last_error) rows.push([t('pool.lastError'), el('code', {}, p.last_error)]);
    return el('section', { class: 'card', 'aria-labelledby': id, 'data-state': p.state },
      el('h2', { id }, t('pool.title', { name: p.name }), ' ', state(p)), facts(rows));
  };
  const serverCard = (p) => {
    const s = p.server || {}, id = 'server-' + p.name;
    const content = p.server_at == null ? el('p', { class: 'muted' }, t('redis.unknown')) : facts([
      [t('redis.version'), s.redis_version || '–'], [t('redis.role'), s.role || '–'],
      [t('redis.replicas'), s.connected_slaves != null ? Fmt.num(s.connected_slaves) : '–'],
      [t('redis.memory'), Fmt.bytes(s.used_memory)],
      [t('redis.maxmemory'), s.maxmemory === '0' ? t('redis.unlimited') : Fmt.bytes(s.maxmemory)],
      [t('redis.aof'), s.aof_enabled == null ? '–' : t(s.aof_enabled === '1' ? 'redis.on' : 'redis.off')],
      [t('redis.clients'), s.connected_clients != null ? Fmt.num(s.connected_clients) : '–'],
      [t('redis.uptime'), Fmt.duration(s.uptime_in_seconds)], [t('redis.asked'), Fmt.since(p.server_at)]]);
    return el('section', { class: 'card', 'aria-labelledby': id }, el('h2', { id }, t('redis.title.pool', { name: p.name })), content);
  };
  const rulesCard = (b, rates) => el('section', { class: 'card', 'aria-labelledby': 'rules-h' }, el('h2', { id: 'rules-h' }, t('rules.title')),
    b.rules.length ? el('div', { class: 'scroll' }, table([
      { title: t('rules.hook'), key: 'hook' }, { title: t('rules.function'), key: 'function' },
      { title: t('rules.topic'), render: r => r.topic || '#' }, { title: t('rules.pool'), key: 'pool' },
      { title: t('rules.rate'), render: r => Fmt.dec(rates[r.id]) },
      { title: t('rules.success'), render: r => Fmt.num(r.success) },
      { title: t('rules.failure'), render: r => el('span', { class: r.failure ? 'error' : '' }, Fmt.num(r.failure)) }],
    b.rules, t('rules.title'))) : el('p', { class: 'muted' }, t('rules.none')));
  const sessionsCard = (b) => el('section', { class: 'card', 'aria-labelledby': 'sessions-h' }, el('h2', { id: 'sessions-h' }, t('sessions.title')),
    b.session_pool ? facts([[t('sessions.pool'), b.session_pool], [t('sessions.stored'), Fmt.num(b.sessions.stored)],
      [t('sessions.queued'), Fmt.num(b.sessions.queued)]]) : el('p', { class: 'muted' }, t('sessions.memory')));
  const metersCard = (b) => el('details', { class: 'card' }, el('summary', {}, t('meters.title')), el('div', { class: 'scroll' }, table([
    { title: t('meters.meter'), key: 'name' },
    { title: t('meters.tags'), render: m => Object.entries(m.tags).map(([k, v]) => k + '=' + v).join(', ') },
    { title: t('meters.values'), render: m => Object.entries(m.values).map(([k, v]) => k + ': ' + Fmt.dec(v)).join(', ') }], b.meters, t('meters.title'))));

  const load = async () => {
    const r = await Api.get('/backends');
    const now = Date.now();
    if (!r.data.length) { body.replaceChildren(el('div', { class: 'card' }, el('p', {}, t('backends.none')))); return; }
    const parts = [];
    for (const b of r.data) {
      if (!b.pools) { parts.push(metersCard(b)); continue; }
      // Redis operations per second of each rule between two polls (each rule has its own counter).
      const runs = {}, rates = {};
      b.rules.forEach(x => { runs[x.id] = (x.success || 0) + (x.failure || 0); });
      if (prev) Object.keys(runs).forEach(f => { if (prev.runs[f] != null) rates[f] = Math.max(0, runs[f] - prev.runs[f]) / ((now - prev.at) / 1000); });
      prev = { at: now, runs };
      parts.push(el('div', { class: 'charts' }, b.pools.map(p => [poolCard(b, p), serverCard(p)])),
        el('div', { class: 'stack' }, rulesCard(b, rates), sessionsCard(b), metersCard(b)));
    }
    const open = [...body.querySelectorAll('details')].map(d => d.open);
    body.replaceChildren(...parts);
    body.querySelectorAll('details').forEach((d, i) => { d.open = !!open[i]; }); // a poll must not fold what the user opened
  };
  load().catch(e => body.replaceChildren(el('p', { class: 'error', role: 'alert' }, e.message)));
  const timer = setInterval(() => load().catch(() => {}), 3000);
  return () => clearInterval(timer);
};
