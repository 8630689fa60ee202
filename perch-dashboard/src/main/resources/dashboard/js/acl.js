// The ACL page: the authentication chain and the broker's access settings (GET /auth/sources),
// the ACL file's rules in the order they are checked (GET /acl/rules), and "check access", which
// asks the broker's own ACL chain what it would decide (POST /acl/check).

function sourceFacts(s) {
  const rows = [[t('acl.inChain'), t(s.configured ? 'yes' : 'no')]];
  if (!s.configured) return rows;
  const file = (f, kind) => {
    rows.push([t(kind), el('code', {}, f.path)]);
    if (f.format) rows.push([t('acl.format'), t(f.format === 'emqx' ? 'acl.format.emqx' : 'acl.format.mosquitto')]);
    rows.push([t(f.format ? 'acl.rules' : 'acl.users'), Fmt.num(f.format ? f.rules : f.users)]);
    rows.push([t('acl.loaded'), Fmt.since(f.loaded_at || null)]);
    if (f.last_error) rows.push([t('acl.lastError'), el('code', { class: 'error' }, f.last_error)]);
  };
  if (s.password_file) file(s.password_file, 'acl.passwordFile');
  if (s.acl_file) file(s.acl_file, 'acl.aclFile');
  for (const k of ['auth_cmd', 'super_cmd', 'acl_cmd', 'password_hash']) if (s[k]) rows.push([k, el('code', {}, s[k])]);
  if (s.keys) rows.push([t('acl.keys'), s.keys.join(', ')]);
  if (s.from) rows.push([t('acl.tokenFrom'), s.from]);
  return rows;
}

Pages.acl = async (main) => {
  main.append(el('h1', {}, t('acl.title')));
  const [src, rules] = await Promise.all([Api.get('/auth/sources'), Api.get('/acl/rules')]);
  const s = src.data;
  const settings = [[t('acl.allowAnonymous'), t(s.allow_anonymous ? 'yes' : 'no')], [t('acl.nomatch'), s.acl_nomatch],
    [t('acl.denyAction'), s.acl_deny_action]];
  if (s.cache) settings.push([t('acl.cache'), s.cache.enable_acl_cache
    ? t('acl.cacheOn', { size: s.cache.acl_cache_max_size, ttl: Fmt.interval(s.cache.acl_cache_ttl_ms) }) : t('no')]);
  main.append(el('section', { class: 'card', id: 'acl-settings', 'aria-labelledby': 'acl-settings-h' },
    el('h2', { id: 'acl-settings-h' }, t('acl.settings')),
    s.enabled ? null : el('p', { class: 'muted' }, t('acl.noAuth')), facts(settings)));
  const order = s.sources.filter(x => x.configured).map(x => x.kind);
  main.append(el('div', { class: 'grid sources' }, s.sources.map(x =>
    el('section', { class: 'card', id: 'source-' + x.kind, 'aria-labelledby': 'source-' + x.kind + '-h' },
      el('h2', { id: 'source-' + x.kind + '-h' }, x.configured ? t('acl.sourceN', { n: order.indexOf(x.kind) + 1, kind: x.kind }) : x.kind),
      facts(sourceFacts(x))))));

  main.append(el('section', { class: 'card', id: 'acl-rules', 'aria-labelledby': 'acl-rules-h' },
    el('h2', { id: 'acl-rules-h' }, t('acl.rulesTitle')),
    rules.data.length ? table([{ title: '#', render: r => String(rules.data.indexOf(r) + 1) },
      { title: t('acl.permission'), render: r => el('span', { class: 'badge ' + (r.permission === 'allow' ? 'up' : 'down') }, r.permission) },
      { title: t('acl.who'), render: r => el('code', {}, r.who) }, { title: t('acl.action'), key: 'action' },
      { title: t('acl.topics'), render: r => el('code', {}, r.topics.join(' ')) },
      { title: t('acl.text'), render: r => el('code', {}, r.text) }], rules.data, t('acl.rulesTitle'))
      : el('p', { class: 'muted' }, t('acl.noRules'))));

  const input = (id, attrs) => el('input', Object.assign({ id, autocomplete: 'off' }, attrs));
  const field = (id, label, node) => el('div', {}, el('label', { for: id }, label), node);
  const result = el('div', { id: 'acl-result', role: 'status' });
  const v = id => document.getElementById(id).value.trim();
  main.append(el('form', { class: 'card', id: 'acl-check', 'aria-labelledby': 'acl-check-h', onsubmit: async (ev) => {
    ev.preventDefault();
    result.replaceChildren();
    try {
      const r = (await Api.post('/acl/check', { clientid: v('chk-client'), username: v('chk-user'), ipaddress: v('chk-ip'),
        topic: v('chk-topic'), action: v('chk-action') })).data;
      const by = r.decided_by === 'nomatch' ? t('acl.byNomatch', { value: s.acl_nomatch })
        : r.decided_by === 'superuser' ? t('acl.bySuperuser') : t('acl.bySource', { source: r.decided_by });
      result.dataset.result = r.result;
      result.replaceChildren(facts([[t('acl.decision'), el('span', { class: 'badge ' + (r.result === 'allow' ? 'up' : 'down') }, t('acl.' + r.result))],
        [t('acl.decidedBy'), by], [t('acl.rule'), r.rule ? el('code', {}, r.rule) : '–']]));
    } catch (e) { result.replaceChildren(el('p', { class: 'error', role: 'alert' }, e.message)); }
  } },
    el('h2', { id: 'acl-check-h' }, t('acl.check')),
    el('p', { class: 'muted' }, t('acl.checkNote')),
    el('div', { class: 'row' },
      field('chk-client', t('clients.id'), input('chk-client', {})),
      field('chk-user', t('clients.username'), input('chk-user', {})),
      field('chk-ip', t('clients.ip'), input('chk-ip', { placeholder: '127.0.0.1' }))),
    el('div', { class: 'row' },
      field('chk-topic', t('subs.topic'), input('chk-topic', { required: true, placeholder: t('acl.topicHint') })),
      el('div', { class: 'action-select' }, el('label', { for: 'chk-action' }, t('acl.action')),
        el('select', { id: 'chk-action' }, [['publish', t('acl.publish')], ['subscribe', t('acl.subscribe')]].map(([k, x]) => el('option', { value: k }, x)))),
      el('div', { class: 'actions' }, el('button', { type: 'submit' }, t('acl.checkSubmit')))),
    result));
};
