// The Retained page: the retained store in topic order, paged by the broker, narrowed by an MQTT
// topic filter; the broker's own $SYS messages only on request. Deleting asks first.

Pages.retained = async (main) => {
  const list = new PagedList({
    id: 'retained', caption: t('retained.title'),
    filters: [Filter.text('f-ret-topic', t('retained.filter'), t('retained.filterHint')), Filter.check('f-ret-sys', t('retained.sys'))],
    noun: n => t(n === 1 ? 'retained.one' : 'retained.many'),
    columns: [{ title: t('topics.topic'), key: 'topic' }, { title: t('subs.qos'), key: 'qos' },
      { title: t('retained.payload'), render: m => el('pre', {}, m.payload + (m.encoding === 'base64' ? ' ' + t('retained.base64') : '')) },
      { title: t('retained.from'), key: 'from_clientid' }, { title: t('retained.at'), key: 'publish_at' },
      { title: t('clients.actions'), render: m => el('button', { class: 'danger', 'aria-label': t('retained.deleteLabel', { topic: m.topic }), onclick: () => remove(m.topic) }, t('retained.delete')) }],
    request: (l) => ({ path: '/mqtt/retained', params: { _match_topic: l.value('f-ret-topic'), _include_sys: l.value('f-ret-sys') ? 'true' : '' } })
  });
  const msg = el('p', { role: 'status' });
  async function remove(topic) {
    if (!confirm(t('retained.deleteConfirm', { topic }))) return;
    try {
      await Api.del('/mqtt/retained/' + encodeURIComponent(topic));
      msg.className = 'ok'; msg.textContent = t('retained.deleted', { topic });
    } catch (e) { msg.className = 'error'; msg.textContent = e.message; }
    list.load();
  }
  main.append(el('h1', {}, t('retained.title')), msg, list.element);
  list.load();
};
