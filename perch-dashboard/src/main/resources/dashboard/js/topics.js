// The Topics page: the routes (filters with subscribers and the node that has them), paged and
// filtered by the broker.

Pages.topics = async (main) => {
  const info = await ClusterInfo.get();
  const filters = [Filter.text('f-topic', t('topics.topic'), t('filter.contains'))];
  if (info.clustered) filters.push(Filter.select('f-topic-node', t('topics.node'), nodeOptions(info)));
  const list = new PagedList({
    id: 'topics', caption: t('topics.title'), filters,
    noun: n => t(n === 1 ? 'topics.one' : 'topics.many'),
    // Another node's routes carry no subscriber count (Redis keeps only which node has a filter).
    columns: [{ title: t('topics.topic'), key: 'topic' }, { title: t('topics.node'), key: 'node' },
      { title: t('topics.subscribers'), render: r => (r.subscribers == null ? '–' : Fmt.num(r.subscribers)) }],
    request: (l) => ({ path: '/routes', params: { _like_topic: l.value('f-topic'), node: l.value('f-topic-node') } })
  });
  main.append(el('h1', {}, t('topics.title')), list.element);
  list.load();
};
