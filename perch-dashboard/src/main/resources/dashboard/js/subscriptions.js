// The Subscriptions page: every client's subscriptions, paged, filtered and sorted by the broker
// (client id, topic or QoS; a column header sorts, a second click reverses).

Pages.subscriptions = async (main) => {
  const info = await ClusterInfo.get();
  const filters = [
    Filter.text('f-sub-clientid', t('clients.id'), t('filter.contains')),
    Filter.text('f-sub-topic', t('subs.topic'), t('filter.contains')),
    Filter.select('f-sub-qos', t('subs.qos'), [['', t('filter.any')], ['0', '0'], ['1', '1'], ['2', '2']])
  ];
  if (info.clustered) filters.push(Filter.select('f-sub-node', t('topics.node'), nodeOptions(info)));
  const list = new PagedList({
    id: 'subs', caption: t('subs.title'), sort: 'clientid', filters,
    noun: n => t(n === 1 ? 'subs.one' : 'subs.many'),
    columns: [{ title: t('clients.id'), key: 'clientid', sort: 'clientid' }, { title: t('subs.topic'), key: 'topic', sort: 'topic' },
      { title: t('subs.qos'), key: 'qos', sort: 'qos' },
      { title: t('topics.node'), key: 'node', hidden: !info.clustered }],
    request: (l) => {
      const node = l.value('f-sub-node');
      return {
        path: node ? '/nodes/' + encodeURIComponent(node) + '/subscriptions' : '/subscriptions',
        params: { _like_clientid: l.value('f-sub-clientid'), _like_topic: l.value('f-sub-topic'), qos: l.value('f-sub-qos') }
      };
    }
  });
  main.append(el('h1', {}, t('subs.title')), list.element);
  list.load();
};
