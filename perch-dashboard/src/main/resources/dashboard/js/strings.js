// Every user-visible string of the dashboard's pages, in one map, so a translation is one more map.
// t('key', { name: value }) fills {name} placeholders; an unknown key shows itself, so it is noticed.
const Strings = {
  en: {
    yes: 'yes', no: 'no', none: 'none', nothing: 'Nothing here yet.', loading: 'Loading…',
    since: '{time} ({ago} ago)',
    // Overview
    'overview.title': 'Overview',
    'stat.connections': 'Connections', 'stat.subscriptions': 'Subscriptions', 'stat.topics': 'Topics',
    'stat.retained': 'Retained', 'stat.in': 'Messages in/s', 'stat.out': 'Messages out/s',
    'stat.stored': 'Stored sessions', 'stat.queued': 'Queued messages',
    'node.title': 'Node', 'node.name': 'Name', 'node.version': 'Version', 'node.uptime': 'Uptime',
    'node.java': 'Runtime', 'node.heap': 'JVM heap', 'node.heap.value': '{used} of {max}',
    'node.cpu': 'CPU (this process)', 'node.loops': 'Event loops', 'node.load': 'Load (1 min)',
    'listeners.title': 'Listeners', 'listeners.name': 'Name', 'listeners.type': 'Type', 'listeners.address': 'Address',
    'listeners.connections': 'Connections', 'listeners.max': 'Limit',
    'chart.connections': 'Connections', 'chart.messages': 'Messages per second', 'chart.redis': 'Redis round trip and backlog',
    'chart.time': 'Time', 'chart.conn': 'connections', 'chart.sessions': 'sessions',
    'chart.in': 'in/s', 'chart.out': 'out/s', 'chart.dropped': 'dropped/s',
    'chart.latency': 'round trip (ms)', 'chart.backlog': 'backlog (writes)',
    'chart.note': 'The broker samples every {every} and keeps the last hour; hover a chart for its values.',
    'chart.empty': 'The first sample comes within {every}.',
    'chart.noredis': 'No Redis backend is running: nothing to chart.',
    // Redis backend
    'backends.title': 'Redis backend',
    'backends.none': 'No Redis backend is running. Configure backend.redis.* in etc/perch.conf.',
    'pool.title': 'Pool {name}', 'pool.state': 'State', 'pool.up': 'up', 'pool.down': 'down', 'pool.since': 'Since',
    'pool.server': 'Server', 'pool.mode': 'Mode', 'pool.latency.mean': 'Round trip (mean since start)', 'pool.latency.max': 'Slowest batch (last 2 min)',
    'pool.backlog': 'Writes waiting (backlog)', 'pool.backlog.value': '{n} of at most {max}', 'pool.replayed': 'Replayed when Redis came back',
    'pool.replayed.value': '{last} last time, {total} since start',
    'pool.dropped': 'Writes dropped (backlog full)', 'pool.connectFailed': 'Failed connection attempts',
    'pool.lastError': 'Last error', 'pool.durability': 'A write counts as done on', 'pool.durability.reply': "Redis's reply", 'pool.roles': 'Holds',
    'redis.title': 'Redis server', 'redis.version': 'Redis version', 'redis.memory': 'Used memory',
    'redis.maxmemory': 'Memory limit', 'redis.aof': 'Append-only file (AOF)', 'redis.role': 'Role',
    'redis.replicas': 'Connected replicas', 'redis.uptime': 'Redis uptime', 'redis.clients': 'Connected clients',
    'redis.asked': 'Read at', 'redis.title.pool': 'Redis server of {name}', 'meters.title': 'All backend meters',
    'meters.meter': 'Meter', 'meters.tags': 'Tags', 'meters.values': 'Values', 'redis.unknown': 'Not known yet: Redis has not answered INFO.',
    'redis.on': 'on', 'redis.off': 'off', 'redis.unlimited': 'no limit',
    'rules.title': 'Rules', 'rules.hook': 'Hook', 'rules.function': 'Function', 'rules.topic': 'Topic', 'rules.pool': 'Pool',
    'rules.rate': 'Runs/s', 'rules.success': 'Succeeded', 'rules.failure': 'Failed', 'rules.none': 'No rules are loaded.',
    'sessions.title': 'Durable sessions', 'sessions.stored': 'Stored sessions', 'sessions.queued': 'Messages queued in sessions',
    'sessions.pool': 'Kept in pool', 'sessions.memory': 'Sessions are kept in memory only (persistence.mode = memory).',
    // Clients and lists
    // Lists paged by the broker
    'list.showing': '{from}–{to} of {count} {what}', 'list.zero': 'No {what} match.', 'list.pageOf': 'page {page} of {pages}', 'list.prev': 'Previous',
    'list.next': 'Next', 'list.size': 'Per page', 'list.pages': 'Pages of {what}', 'list.none': 'Nothing matches.',
    'list.allNodes': 'all nodes', 'list.unavailable': 'Some nodes did not answer; their entries are missing:',
    'filter.contains': 'contains…', 'filter.any': 'any',
    'clients.title': 'Clients', 'clients.one': 'client', 'clients.many': 'clients',
    'clients.id': 'Client ID', 'clients.username': 'Username', 'clients.ip': 'IP address', 'clients.status': 'Status',
    'clients.protocol': 'Protocol', 'clients.keepalive': 'Keepalive', 'clients.subs': 'Subscriptions', 'clients.connectedAt': 'Connected at',
    'clients.actions': 'Actions', 'clients.connected': 'connected', 'clients.disconnected': 'disconnected',
    'clients.kick': 'Kick out', 'clients.kickLabel': 'Kick out {id}', 'clients.kickConfirm': 'Kick out {id}?',
    'clients.details': 'Client {id}', 'clients.field': 'Field', 'clients.value': 'Value',
    'clients.allFields': 'Every field', 'clients.notConnected': 'Not connected: its session is kept.',
    'subs.title': 'Subscriptions', 'subs.one': 'subscription', 'subs.many': 'subscriptions', 'subs.topic': 'Topic', 'subs.qos': 'QoS',
    'subs.add': 'Add subscription', 'subs.filter': 'Topic filter', 'subs.remove': 'Remove', 'subs.removeLabel': 'Remove subscription {topic}',
    'subs.added': 'Subscribed {id} to {topic}.', 'subs.removed': 'Unsubscribed {id} from {topic}.',
    'topics.title': 'Topics', 'topics.one': 'route', 'topics.many': 'routes', 'topics.topic': 'Topic', 'topics.node': 'Node', 'topics.subscribers': 'Subscribers',
    'retained.title': 'Retained messages', 'retained.one': 'retained message', 'retained.many': 'retained messages',
    'retained.payload': 'Payload', 'retained.from': 'From', 'retained.at': 'Published at',
    'retained.filter': 'Topic filter', 'retained.filterHint': 'e.g. sensors/# (MQTT wildcards)', 'retained.sys': 'Show $SYS messages',
    'retained.deleteConfirm': 'Delete the retained message on {topic}? Clients subscribing later will not receive it.',
    'retained.deleted': 'Deleted the retained message on {topic}.',
    // Publish
    'publish.title': 'Publish', 'publish.message': 'Message', 'publish.from': 'From client ID', 'publish.encoding': 'Payload encoding',
    'publish.plain': 'text (UTF-8)', 'publish.retain': 'Retain', 'publish.props': 'MQTT 5 properties',
    'publish.propsNote': 'Passed on to MQTT 5 subscribers; MQTT 3 subscribers get the message without them.',
    'publish.format': 'Payload format', 'publish.format.bytes': '0: bytes', 'publish.format.utf8': '1: UTF-8 text',
    'publish.expiry': 'Message expiry (s)', 'publish.contentType': 'Content type', 'publish.responseTopic': 'Response topic',
    'publish.correlation': 'Correlation data', 'publish.userProps': 'User properties (key=value, one a line)',
    'publish.badUserProperty': 'User property "{line}" is not key=value.', 'publish.submit': 'Publish',
    'publish.sent': 'Published to {topic}.',
    // Nodes
    'nodes.title': 'Nodes', 'nodes.list': 'Nodes of this broker', 'nodes.this': 'this node', 'nodes.thisOne': '{node} (this node)',
    'nodes.running': 'running', 'nodes.stopped': 'no heartbeat', 'nodes.heartbeat': 'Last heartbeat', 'nodes.ago': '{age} ago',
    'nodes.clustered': 'Clustered: the nodes share Redis and each announces itself with a heartbeat; connections are known for this node only.',
    'nodes.single': 'A single node (cluster.enable = off).',
    // Log
    'log.title': 'Log', 'log.levelFilter': 'Level', 'log.search': 'Search', 'log.searchHint': 'text in the message or logger',
    'log.level.all': 'all', 'log.level.error': 'errors', 'log.level.warn': 'warnings and worse', 'log.level.info': 'info and worse',
    'log.level.debug': 'debug and worse', 'log.time': 'Time', 'log.levelCol': 'Level', 'log.logger': 'Logger', 'log.message': 'Message',
    'log.summary': 'Newest first, at most 100: {shown} shown. This node keeps its last {kept} lines ({logged} logged since it started).',
    'log.note': 'This node only, from memory; the log files under log.dir hold everything. The log level is set by log.level (or PUT /api/v4/log/level until restart).',
    // Alarms
    'alarms.title': 'Alarms', 'alarms.tab.current': 'Active now', 'alarms.tab.history': 'History',
    'alarms.one': 'active alarm', 'alarms.many': 'active alarms', 'alarms.cleared.one': 'cleared alarm', 'alarms.cleared.many': 'cleared alarms',
    'alarm.redis_pool_down': 'Redis pool down', 'alarm.messages_dropped': 'Messages dropped',
    'alarm.connections_near_limit': 'Connections near the limit',
    'alarms.node': 'Node', 'alarms.name': 'Alarm', 'alarms.message': 'What is wrong', 'alarms.details': 'Details',
    'alarms.raised': 'Raised', 'alarms.cleared': 'Cleared', 'alarms.lasted': 'Lasted',
    'alarms.clear': 'Clear history', 'alarms.clearConfirm': 'Forget every cleared alarm? Active alarms stay.',
    'alarms.cleared.done': 'The history was cleared.',
    'alarms.note': 'Checked every few seconds (dashboard.alarms.check_interval): a Redis pool down, messages dropped (session queue full, too large for the client, QoS 0 for a client away), connections above 90 % of a limit. The history keeps the last 1,000 cleared alarms in memory; a restart forgets it.',
    'alarms.note.cluster': 'This node\'s alarms only, checked every few seconds (dashboard.alarms.check_interval): a Redis pool down, messages dropped, connections above 90 % of a limit. The history keeps the last 1,000 cleared alarms in memory; a restart forgets it.',
    // Listeners
    'listeners.list': 'MQTT listeners', 'listener.protocol': 'Protocol',
    'listener.tcp': 'MQTT over TCP', 'listener.ssl': 'MQTT over TLS', 'listener.ws': 'MQTT over WebSocket', 'listener.wss': 'MQTT over secure WebSocket (WSS)',
    'listener.conns': '{n} of {max}', 'listener.noLimit': 'no limit', 'listener.tls': 'TLS',
    'listener.tls.none': 'none (plain text)', 'listener.tls.verify': 'client certificates required and verified',
    'listener.tls.noVerify': 'server certificate only (clients not asked for one)',
    'listener.perIp': 'Per address', 'listener.rate': 'New connections', 'listener.perSecond': '{n} per second',
    'listeners.note': 'Set in etc/perch.conf (listener.*); connections count open sockets, including those still connecting.',
    'password.title': 'Dashboard password', 'password.mismatch': 'The new passwords do not match.',
    'password.changed': 'Password changed. Every session was logged out: log in again.', 'password.user': 'User',
    'password.current': 'Current password', 'password.new': 'New password (at least 8 characters)',
    'password.again': 'New password again', 'password.submit': 'Change password',
    'retained.delete': 'Delete', 'retained.deleteLabel': 'Delete retained message on {topic}', 'retained.base64': '(base64)'
  }
};
const Lang = Strings[(navigator.language || 'en').slice(0, 2)] ? (navigator.language || 'en').slice(0, 2) : 'en';

function t(key, vars) {
  const s = Strings[Lang][key] != null ? Strings[Lang][key] : Strings.en[key];
  if (s == null) return key;
  return vars ? s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] != null ? String(vars[k]) : m)) : s;
}
