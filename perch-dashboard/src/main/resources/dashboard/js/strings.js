// Every user-visible string of the dashboard's pages, in one map, so a translation is one more map.
// t('key', { name: value }) fills {name} placeholders; an unknown key shows itself, so it is noticed.
const Strings = {
  en: {
    yes: 'yes', no: 'no', none: 'none', nothing: 'Nothing here yet.', loading: 'Loading…',
    since: '{time} ({ago} ago)',
    // The shell (index.html: data-i18n fills text, data-i18n-label an aria-label)
    'app.title': 'Perch Dashboard', 'app.brand': 'Perch', 'app.skip': 'Skip to content', 'app.menu': 'Menu', 'app.logout': 'Log out',
    'login.user': 'Username', 'login.password': 'Password', 'login.submit': 'Log in',
    'nav.label': 'Main', 'nav.overview': 'Overview', 'nav.clients': 'Clients', 'nav.subscriptions': 'Subscriptions',
    'nav.topics': 'Topics', 'nav.retained': 'Retained', 'nav.publish': 'Publish', 'nav.nodes': 'Nodes', 'nav.listeners': 'Listeners',
    'nav.alarms': 'Alarms', 'nav.backends': 'Redis backend', 'nav.users': 'Users', 'nav.acl': 'ACL', 'nav.log': 'Log',
    'nav.websocket': 'WebSocket', 'nav.password': 'Password',
    'banner.defaultPassword': 'The dashboard still uses the default password, set by {source}. Change it on the {page} page or with {command}.',
    'api.httpError': 'HTTP {status}',
    // Units (format.js)
    'unit.ms': '{n} ms', 'unit.s': '{n} s', 'unit.min': '{n} min', 'unit.h': '{n} h', 'unit.d': '{n} d', 'unit.percent': '{n} %',
    'unit.bytes': '{n} {unit}', 'protocol.level': 'MQTT (level {level})',
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
    'subs.filterHint': 'sensors/+/temp',
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
    'publish.sent': 'Published to {topic}.', 'publish.topicHint': 'sensors/room1/temp', 'publish.userPropsHint': 'key=value',
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
    'alarm.connections_near_limit': 'Connections near the limit', 'alarm.jvm_heap_high': 'JVM heap high',
    'alarms.node': 'Node', 'alarms.name': 'Alarm', 'alarms.message': 'What is wrong', 'alarms.details': 'Details',
    'alarms.raised': 'Raised', 'alarms.cleared': 'Cleared', 'alarms.lasted': 'Lasted',
    'alarms.clear': 'Clear history', 'alarms.clearConfirm': 'Forget every cleared alarm? Active alarms stay.',
    'alarms.cleared.done': 'The history was cleared.',
    'alarms.cleared.partial': 'The history was cleared on the nodes that answered; these did not and keep theirs: {nodes}.',
    'alarms.note': 'Checked every few seconds (dashboard.alarms.check_interval): a Redis pool down, messages dropped (session queue full, too large for the client, QoS 0 for a client away), connections above 90 % of a limit, the JVM heap left after garbage collection above its watermark (dashboard.alarms.heap_high_watermark). The history keeps the last 1,000 cleared alarms in memory; a restart forgets it.',
    'alarms.note.cluster': 'Every node\'s alarms, each checked by its node every few seconds (dashboard.alarms.check_interval): a Redis pool down, messages dropped, connections above 90 % of a limit, the JVM heap left after garbage collection above its watermark (dashboard.alarms.heap_high_watermark). Each node keeps its last 1,000 cleared alarms in memory; a restart forgets them.',
    // Listeners
    'listeners.list': 'MQTT listeners', 'listener.protocol': 'Protocol',
    'listener.tcp': 'MQTT over TCP', 'listener.ssl': 'MQTT over TLS', 'listener.ws': 'MQTT over WebSocket', 'listener.wss': 'MQTT over secure WebSocket (WSS)',
    'listener.conns': '{n} of {max}', 'listener.noLimit': 'no limit', 'listener.tls': 'TLS',
    'listener.tls.none': 'none (plain text)', 'listener.tls.verify': 'client certificates required and verified',
    'listener.tls.noVerify': 'server certificate only (clients not asked for one)',
    'listener.perIp': 'Per address', 'listener.rate': 'New connections', 'listener.perSecond': '{n} per second',
    // WebSocket client
    'ws.title': 'WebSocket client', 'ws.connection': 'Connection', 'ws.host': 'Host', 'ws.port': 'Port', 'ws.path': 'Path',
    'ws.clientid': 'Client ID', 'ws.username': 'Username', 'ws.password': 'Password', 'ws.keepalive': 'Keepalive (s)',
    'ws.clean': 'Clean session', 'ws.willTopic': 'Will topic', 'ws.willPayload': 'Will message', 'ws.willRetain': 'Will retain',
    'ws.qos': 'QoS', 'ws.connect': 'Connect', 'ws.disconnect': 'Disconnect', 'ws.subscribe': 'Subscribe', 'ws.publish': 'Publish',
    'ws.topic': 'Topic', 'ws.message': 'Message', 'ws.retain': 'Retain', 'ws.messages': 'Messages', 'ws.noMessages': 'No messages yet.',
    'ws.disconnected': 'Disconnected', 'ws.connecting': 'Connecting to {url}…', 'ws.connectedTo': 'Connected to {url} as {id}',
    'ws.error': 'Error: {message}', 'ws.connectFirst': 'Connect first',
    // The message log's lines (two spaces between fields, as the log has always read)
    'ws.log.connected': 'connected', 'ws.log.received': 'received  {topic}  qos {qos}{retained}  {payload}', 'ws.log.retained': ' retained',
    'ws.log.subscribed': 'subscribed {topic} qos {qos}', 'ws.log.subscribeFailed': 'subscribe failed: {message}',
    'ws.log.published': 'published {topic}  {payload}', 'ws.log.publishFailed': 'publish failed: {message}',
    'listeners.note': 'Set in etc/perch.conf (listener.*); connections count open sockets, including those still connecting.',
    'password.title': 'Dashboard password', 'password.mismatch': 'The new passwords do not match.',
    'password.changed': 'Password changed. Every session was logged out: log in again.', 'password.user': 'User',
    'password.current': 'Current password', 'password.new': 'New password (at least 8 characters)',
    'password.again': 'New password again', 'password.submit': 'Change password',
    // Users (password file) and ACL
    'users.title': 'MQTT users', 'users.one': 'user', 'users.many': 'users', 'users.username': 'Username',
    'users.password': 'Password', 'users.newPassword': 'New password', 'users.hash': 'Hash', 'users.superuser': 'Superuser',
    'users.add': 'Add user', 'users.change': 'Change password', 'users.changeLabel': 'Change the password of {user}',
    'users.delete': 'Delete', 'users.deleteLabel': 'Delete user {user}', 'users.cancel': 'Cancel',
    'users.deleteConfirm': 'Delete user {user}? Clients logging in as {user} will be refused (unless allow_anonymous lets them in).',
    'users.added': 'Added {user}.', 'users.changed': 'Changed the password of {user}.', 'users.deleted': 'Deleted {user}.',
    'users.note': 'Users of the password file {path}. Changes are written to the file as bin/perch passwd writes them; the broker reloads it within seconds.',
    'users.noFile': 'No password file is configured, so there are no users to manage here.',
    'users.noFileHow': 'Set auth.file.password_file in etc/perch.conf (and create the file with bin/perch passwd), then restart the broker.',
    'acl.title': 'Access control', 'acl.settings': 'Broker settings', 'acl.allowAnonymous': 'Unknown clients allowed (allow_anonymous)',
    'acl.nomatch': 'When no rule matches (acl_nomatch)', 'acl.denyAction': 'On a denied publish or subscribe (acl_deny_action)',
    'acl.cache': 'ACL cache', 'acl.cacheOn': 'on: {size} entries per client for {ttl}',
    'acl.noAuth': 'No authentication or ACL source is configured: these settings alone decide.',
    'acl.sourceN': '{n}. {kind} source', 'acl.inChain': 'In the chain', 'acl.passwordFile': 'Password file', 'acl.aclFile': 'ACL file',
    'acl.format': 'Format', 'acl.rules': 'Rules', 'acl.users': 'Users', 'acl.loaded': 'Last loaded', 'acl.lastError': 'Last load error',
    'acl.keys': 'Keys', 'acl.tokenFrom': 'Token in',
    'acl.format.emqx': 'EMQ X acl.conf', 'acl.format.mosquitto': 'Mosquitto acl_file', 'acl.topicHint': 'sensors/1/temp',
    'acl.rulesTitle': 'ACL file rules, in the order they are checked', 'acl.noRules': 'No ACL file is configured (acl_file).',
    'acl.permission': 'Permission', 'acl.who': 'Who', 'acl.action': 'Action', 'acl.topics': 'Topics', 'acl.text': 'As in the file',
    'acl.check': 'Check access', 'acl.checkNote': 'What the broker would decide for such a client, asked of the same ACL chain its clients meet.',
    'acl.publish': 'publish', 'acl.subscribe': 'subscribe', 'acl.checkSubmit': 'Check',
    'acl.decision': 'Decision', 'acl.allow': 'allowed', 'acl.deny': 'denied', 'acl.decidedBy': 'Decided by', 'acl.rule': 'Rule',
    'acl.bySource': 'the {source} source', 'acl.byNomatch': 'no rule matched: acl_nomatch = {value}',
    'acl.bySuperuser': 'a superuser of the password file (no ACL check)',
    'retained.delete': 'Delete', 'retained.deleteLabel': 'Delete retained message on {topic}', 'retained.base64': '(base64)'
  }
};
const Lang = Strings[(navigator.language || 'en').slice(0, 2)] ? (navigator.language || 'en').slice(0, 2) : 'en';

// t() as DOM nodes, for a string with elements in it (a link, a code): each {name} placeholder
// becomes nodes[name], the text around it text nodes.
function tNodes(key, nodes) {
  return t(key).split(/(\{\w+\})/).filter(Boolean).map(part => {
    const m = /^\{(\w+)\}$/.exec(part);
    return m && nodes[m[1]] != null ? nodes[m[1]] : part;
  });
}

// Fills the static page (index.html): data-i18n sets an element's text, data-i18n-label its aria-label.
function localize(root) {
  root.querySelectorAll('[data-i18n]').forEach(e => { e.textContent = t(e.dataset.i18n); });
  root.querySelectorAll('[data-i18n-label]').forEach(e => e.setAttribute('aria-label', t(e.dataset.i18nLabel)));
}

function t(key, vars) {
  const s = Strings[Lang][key] != null ? Strings[Lang][key] : Strings.en[key];
  if (s == null) return key;
  return vars ? s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] != null ? String(vars[k]) : m)) : s;
}
