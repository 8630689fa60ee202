// Drives the Perch dashboard in Debian's Chromium the way a user follows the EMQ X walkthrough:
// log in, look at the overview and the clients, then Tools -> WebSocket: connect `sub_client`,
// subscribe to `sub_client/downlink` at QoS 1, publish to it and see the message arrive.
// Then checks that the charts' history survives a reload and shows every page at a phone's
// width (390 px). Saves one screenshot per page and width under perch-dashboard/target/screenshots/
// and fails on any console error, uncaught page error or request to a host other than the broker's
// (harness.js).
//
// Then, as an operator: pages through a few hundred clients (the Java test connects them) and
// filters them, subscribes a client to a topic from its details, publishes to it with MQTT 5
// properties, deletes a retained message, removes the subscription, looks at the nodes and
// finds a warning in the node's recent log, reads the listeners, and sees the alarm of the pool that
// is down, the history of a drop the Java test caused (a message too large for its subscriber) and
// clears that history.
//
// Users and ACL (the broker runs the auth plugin on a password file and an ACL file): adds an MQTT
// user from the Users page, changes its password, adds and deletes another; on the ACL page checks
// that a publish the file denies is shown denied with the deciding rule.
//
// Usage: node dashboard.spec.js <baseUrl> <user> <password> [expectedWsPort] [fleetSize]
// Prints "PASS <step>" per step and, last, "RESULT <json>"; exits 0 only when every step passed.
// The password is never printed.
const { Harness, waitText } = require('./harness');

const [baseUrl, user, password, wsPort, fleetArg] = process.argv.slice(2);
const FLEET = Number(fleetArg || 0);
if (!baseUrl || !user || !password) {
  console.error('usage: node dashboard.spec.js <baseUrl> <user> <password> [expectedWsPort] [fleetSize]');
  process.exit(2);
}
const h = new Harness(baseUrl, { wsPort: null, received: null, samplesBeforeReload: null, samplesAfterReload: null,
  clientsTotal: null, filteredTotal: null, clientRequestsWhileTyping: null, published: null, logRows: null, aclCheck: null });
const result = h.result;
const step = (name, fn) => h.step(name, fn);
const shot = (page, name) => h.shot(page, name);
const PAGES = [['overview', 'Overview', 'Overview'], ['clients', 'Clients', 'Clients'], ['subscriptions', 'Subscriptions', 'Subscriptions'],
  ['topics', 'Topics', 'Topics'], ['retained', 'Retained', 'Retained messages'], ['backends', 'Redis backend', 'Redis backend'],
  ['websocket', 'WebSocket', 'WebSocket client'], ['password', 'Password', 'Dashboard password'],
  ['publish', 'Publish', 'Publish'], ['nodes', 'Nodes', 'Nodes'], ['log', 'Log', 'Log'],
  ['listeners', 'Listeners', 'Listeners'], ['alarms', /^Alarms/, 'Alarms'],
  ['users', 'Users', 'MQTT users'], ['acl', 'ACL', 'Access control']];

let clientRequests = 0; // GET /api/v4/clients?... so far, to see that typing is debounced

// The operator's console: paging, filters, subscriptions, publish, retained, nodes.
async function operatorSteps(page, nav) {
  const list = (id) => page.locator('section.list[data-count]').filter({ has: page.locator('#' + id + '-size') });
  const count = async (id) => Number(await list(id).getAttribute('data-count'));
  const firstIds = (n) => page.locator('section.list tbody tr td:first-child').evaluateAll((tds, n) => tds.slice(0, n).map(td => td.textContent), n);

  await step('paging', async () => {
    await nav('Clients').click();
    await page.getByRole('heading', { name: 'Clients', level: 1 }).waitFor();
    const id = page.getByLabel('Client ID');
    await id.fill('load-');
    await waitText(page.getByRole('status').filter({ hasText: 'clients' }), '1–20 of ' + FLEET.toLocaleString('en') + ' clients');
    result.clientsTotal = await count('clients');
    const page1 = await firstIds(20);
    if (page1[0] !== 'load-0001' || page1[19] !== 'load-0020') throw new Error('page 1 shows ' + page1.join(' '));
    await page.getByRole('button', { name: 'Next' }).click();
    await waitText(page.getByRole('status').filter({ hasText: 'clients' }), '21–40 of ' + FLEET.toLocaleString('en') + ' clients');
    const page2 = await firstIds(20);
    if (page2.some(x => page1.includes(x)) || page2[0] !== 'load-0021') throw new Error('page 2 shows ' + page2.join(' '));
    await waitText(page.locator('.page-of'), 'page 2 of ' + Math.ceil(FLEET / 20));
    await shot(page, '09-clients-page2');
    // Typing a filter fetches once typing pauses, not per keystroke; it starts again at page 1.
    await id.fill('');
    await waitText(page.getByRole('status').filter({ hasText: 'clients' }), '1–20 of');
    const before = clientRequests;
    await id.pressSequentially('load-1', { delay: 40 });
    await waitText(page.getByRole('status').filter({ hasText: 'clients' }), '1–20 of 1,000 clients');
    result.clientRequestsWhileTyping = clientRequests - before;
    if (result.clientRequestsWhileTyping > 2) throw new Error(result.clientRequestsWhileTyping + ' requests while typing 6 characters');
    result.filteredTotal = await count('clients');
    // Sorting by a column header asks the broker (descending on the second click).
    await page.getByRole('button', { name: 'Client ID' }).click(); // already sorted by it: now descending
    await page.waitForFunction(() => document.querySelector('section.list tbody td').textContent === 'load-1999');
    await page.getByLabel('Per page').selectOption('50');
    await waitText(page.locator('.page-of'), 'page 1 of 20');
    await shot(page, '10-clients-filtered');
  });

  await step('subscribe', async () => {
    await page.getByLabel('Client ID').fill('paho-target');
    await page.getByRole('row').filter({ hasText: 'paho-target' }).getByRole('button', { name: 'paho-target', exact: true }).click();
    const details = page.getByRole('region', { name: 'Client paho-target' });
    await details.getByRole('heading', { name: 'Client paho-target' }).waitFor();
    await details.getByLabel('Topic').fill('console/downlink');
    await details.getByLabel('QoS').selectOption('1');
    await details.getByRole('button', { name: 'Add subscription' }).click();
    await waitText(details.getByRole('status'), 'Subscribed paho-target to console/downlink.');
    await details.getByRole('row').filter({ hasText: 'console/downlink' }).waitFor();
    // An error from the API is shown where the user acted: an invalid filter is refused.
    h.provoked.push('/api/v4/mqtt/subscribe');
    await details.getByLabel('Topic').fill('bad/#/filter');
    await details.getByRole('button', { name: 'Add subscription' }).click();
    await waitText(details.locator('.error'), 'not a valid topic filter: bad/#/filter');
    await details.getByLabel('Topic').fill('');
    await shot(page, '11-client-details');
  });

  await step('publish', async () => {
    await nav('Publish').click();
    await page.getByRole('heading', { name: 'Publish', level: 1 }).waitFor();
    const status = page.locator('#publish-msg');
    // A wildcard topic is refused by the API, and the page says why.
    h.provoked.push('/api/v4/mqtt/publish');
    await page.getByLabel('Topic', { exact: true }).fill('console/#');
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await waitText(status, 'a topic name may not contain wildcards: console/#');
    result.published = 'hello from the console ' + Date.now();
    await page.getByLabel('Topic', { exact: true }).fill('console/downlink');
    await page.getByLabel('Payload', { exact: true }).fill(result.published);
    await page.getByLabel('QoS').selectOption('1');
    await page.getByText('MQTT 5 properties').click();
    await page.getByLabel('Content type').fill('text/plain');
    await page.getByLabel('User properties (key=value, one a line)').fill('source=dashboard');
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await waitText(status, 'Published to console/downlink.');
    await shot(page, '12-publish');
  });

  await step('retained-delete', async () => {
    await nav('Retained').click();
    await page.getByRole('heading', { name: 'Retained messages', level: 1 }).waitFor();
    await page.getByRole('row').filter({ hasText: 'sensors/room1/temp' }).waitFor();
    // The broker's $SYS messages only when asked for.
    if (await page.getByRole('row').filter({ hasText: '$SYS/test/info' }).count()) throw new Error('$SYS shown by default');
    await page.getByLabel('Show $SYS messages').check();
    await page.getByRole('row').filter({ hasText: '$SYS/test/info' }).waitFor();
    await page.getByLabel('Show $SYS messages').uncheck();
    await page.getByRole('row').filter({ hasText: '$SYS/test/info' }).waitFor({ state: 'detached' });
    await page.getByLabel('Topic filter').fill('sensors/#');
    await waitText(page.getByRole('status').filter({ hasText: 'retained' }), '1–1 of 1 retained message');
    await page.getByRole('button', { name: 'Delete retained message on sensors/room1/temp' }).click();
    await waitText(page.getByRole('status'), 'Deleted the retained message on sensors/room1/temp.');
    await page.getByRole('row').filter({ hasText: 'sensors/room1/temp' }).waitFor({ state: 'detached' });
    await shot(page, '13-retained-deleted');
  });

  await step('unsubscribe', async () => {
    // The published message has reached paho-target (the broker counts it) before it is unsubscribed.
    await page.waitForFunction(async () => {
      const r = await fetch('/api/v4/clients/paho-target', { headers: { Authorization: 'Bearer ' + sessionStorage.getItem('perch.token') } });
      return (await r.json()).data[0].send_msg >= 1;
    }, null, { polling: 200 });
    await nav('Clients').click();
    await page.getByLabel('Client ID').fill('paho-target');
    await page.getByRole('row').filter({ hasText: 'paho-target' }).getByRole('button', { name: 'paho-target', exact: true }).click();
    const details = page.getByRole('region', { name: 'Client paho-target' });
    await details.getByRole('button', { name: 'Remove subscription console/downlink' }).click();
    await waitText(details.getByRole('status'), 'Unsubscribed paho-target from console/downlink.');
    await details.getByRole('row').filter({ hasText: 'console/downlink' }).waitFor({ state: 'detached' });
  });

  await step('nodes', async () => {
    await nav('Nodes').click();
    await page.getByRole('heading', { name: 'Nodes', level: 1 }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'this node' });
    await waitText(row, 'running');
    await page.locator('[data-nodes="1"]').waitFor();
    await shot(page, '14-nodes');
  });

  await step('log', async () => {
    // The node's recent log: the Java test logged a warning before the run; narrowing finds it.
    await nav('Log').click();
    await page.getByRole('heading', { name: 'Log', level: 1 }).waitFor();
    await page.getByLabel('Level').selectOption('warn');
    await page.getByLabel('Search').fill('a line for the log page');
    const row = page.getByRole('row').filter({ hasText: 'a line for the log page' });
    await waitText(row, 'warn');
    // The search narrows the list once typing pauses: only that line is left.
    await page.waitForFunction(() => document.querySelectorAll('section.list tbody tr').length === 1);
    result.logRows = await page.locator('section.list tbody tr').allTextContents();
    await shot(page, '15-log');
  });

  await step('listeners', async () => {
    await nav('Listeners').click();
    await page.getByRole('heading', { name: 'Listeners', level: 1 }).waitFor();
    await page.locator('[data-listeners="2"]').waitFor();
    await page.getByRole('row').filter({ hasText: 'MQTT over TCP' }).filter({ hasText: 'none (plain text)' }).waitFor();
    await page.getByRole('row').filter({ hasText: 'MQTT over WebSocket' }).filter({ hasText: '/mqtt' }).waitFor();
    await shot(page, '16-listeners');
  });

  await step('alarms', async () => {
    // pool2's server is not there: an active alarm, counted in the menu.
    await nav(/^Alarms/).click();
    await page.getByRole('heading', { name: 'Alarms', level: 1 }).waitFor();
    await page.locator('#alarm-count:not([hidden])').waitFor();
    await page.getByRole('row').filter({ hasText: 'redis_pool_down/pool2' }).filter({ hasText: 'ago' }).waitFor();
    await shot(page, '17-alarms');
    // The drop the Java test caused was raised and cleared: it is in the history.
    await page.getByRole('tab', { name: 'History' }).click();
    await page.getByRole('row').filter({ hasText: 'messages_dropped' }).filter({ hasText: 'too large: 1' }).waitFor({ timeout: 30000 });
    await shot(page, '18-alarms-history');
    await page.getByRole('button', { name: 'Clear history' }).click();
    await waitText(page.locator('section.list .summary'), 'No cleared alarms match.');
    await page.getByRole('tab', { name: 'Active now' }).click();
    await page.getByRole('row').filter({ hasText: 'redis_pool_down/pool2' }).waitFor();
  });

  await authSteps(page, nav);
}

// The Users and ACL pages: the Java test checks afterwards that a real client logs in as the user
// added here, with the password set here.
async function authSteps(page, nav) {
  await step('users', async () => {
    await nav('Users').click();
    await page.getByRole('heading', { name: 'MQTT users', level: 1 }).waitFor();
    await page.getByRole('row').filter({ hasText: 'operator' }).waitFor();
    const add = page.getByRole('form', { name: 'Add user' });
    for (const u of ['browser-user', 'short-lived']) {
      await add.getByLabel('Username').fill(u);
      await add.getByLabel('Password').fill('first-' + u);
      await add.getByRole('button', { name: 'Add user' }).click();
      await waitText(page.locator('#users-msg'), 'Added ' + u + '.');
      await page.getByRole('row').filter({ hasText: u }).waitFor();
    }
    await page.getByRole('button', { name: 'Change the password of browser-user' }).click();
    await page.getByLabel('New password').fill('browser-user-pw2');
    await page.locator('#user-change').getByRole('button', { name: 'Change password' }).click();
    await waitText(page.locator('#users-msg'), 'Changed the password of browser-user.');
    await page.getByRole('button', { name: 'Delete user short-lived' }).click();
    await waitText(page.locator('#users-msg'), 'Deleted short-lived.');
    await page.getByRole('row').filter({ hasText: 'short-lived' }).waitFor({ state: 'detached' });
    await page.locator('#f-user').fill('browser');
    await waitText(page.getByRole('status').filter({ hasText: 'user' }), '1–1 of 1 user');
    await page.locator('#f-user').fill('');
    await waitText(page.getByRole('status').filter({ hasText: 'users' }), '1–2 of 2 users');
    await shot(page, '19-users');
  });

  await step('acl', async () => {
    await nav('ACL').click();
    await page.getByRole('heading', { name: 'Access control', level: 1 }).waitFor();
    await page.locator('#acl-rules').getByRole('row').filter({ hasText: 'sensors/locked/#' }).waitFor();
    await waitText(page.locator('#source-file'), 'EMQ X acl.conf');
    const form = page.locator('#acl-check');
    await form.getByLabel('Username').fill('sensor');
    await form.getByLabel('Topic').fill('sensors/locked/door');
    await form.getByLabel('Action').selectOption('publish');
    await form.getByRole('button', { name: 'Check' }).click();
    await page.locator('#acl-result[data-result="deny"]').waitFor();
    await waitText(page.locator('#acl-result'), '{deny, all, publish, ["sensors/locked/#"]}.');
    result.aclCheck = await page.locator('#acl-result').textContent();
    await shot(page, '20-acl');
  });
}

async function run(page) {
  const nav = (name) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });

  await step('login', async () => {
    await page.goto(baseUrl);
    await page.getByLabel('Password').waitFor();
    await shot(page, '01-login');
    await page.getByLabel('Username').fill(user);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    // The static page's strings come from strings.js; the banner is hidden (this test's password is not
    // the default) but filled, with the password's source in it once /status has answered.
    await page.waitForFunction(() => document.getElementById('default-password-source').textContent !== '');
    result.shell = await page.evaluate(() => {
      const banner = document.getElementById('default-password-banner');
      return { title: document.title, lang: document.documentElement.lang, banner: banner.textContent,
        bannerLink: banner.querySelector('a').getAttribute('href'), bannerSource: !!banner.querySelector('#default-password-source') };
    });
  });

  await step('overview', async () => {
    // The stats poll fills the cards; the Paho client of the Java test makes at least one connection.
    await page.waitForFunction(() => /^\d+$/.test(document.getElementById('st-conn').textContent)
      && Number(document.getElementById('st-conn').textContent) >= 1);
    await page.waitForFunction(() => Number(document.getElementById('chart-msg').dataset.samples || 0) >= 4);
    await shot(page, '02-overview');
  });

  await step('reload', async () => {
    // The charts draw the broker's history, not the tab's: a reload shows at least what was there.
    const samples = () => page.evaluate(() => Number(document.getElementById('chart-msg').dataset.samples || 0));
    result.samplesBeforeReload = await samples();
    await page.reload();
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    await page.waitForFunction((n) => Number(document.getElementById('chart-msg').dataset.samples || 0) >= n, result.samplesBeforeReload);
    result.samplesAfterReload = await samples();
  });

  await step('clients', async () => {
    await nav('Clients').click();
    await page.getByRole('heading', { name: 'Clients', level: 1 }).waitFor();
    // Hundreds of clients are connected: find this one with the client id filter.
    await page.getByLabel('Client ID').fill('paho-watcher');
    const row = page.getByRole('row').filter({ hasText: 'paho-watcher' });
    await waitText(row, 'connected');
    await row.getByRole('button', { name: 'Kick out paho-watcher' }).waitFor(); // action buttons name their client
    await row.getByRole('button', { name: 'paho-watcher', exact: true }).click();
    await page.getByRole('heading', { name: 'Client paho-watcher' }).waitFor();
    await shot(page, '03-clients');
  });

  await step('websocket', async () => {
    await nav('WebSocket').click();
    await page.getByRole('heading', { name: 'WebSocket client', level: 1 }).waitFor();
    if (wsPort) {
      // The port is looked up from the broker's listeners, not hard-coded to 8083.
      await page.waitForFunction((p) => document.getElementById('ws-port').value === p, wsPort);
    }
    result.wsPort = Number(await page.getByLabel('Port', { exact: true }).inputValue());
    await page.getByLabel('Client ID').fill('sub_client');
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await waitText(page.getByRole('status'), 'Connected');
    const subscribe = page.getByRole('region', { name: 'Subscribe' });
    await subscribe.getByLabel('Topic').fill('sub_client/downlink');
    await subscribe.getByLabel('QoS').selectOption('1');
    await subscribe.getByRole('button', { name: 'Subscribe' }).click();
    const log = page.getByRole('log');
    await waitText(log.locator('div'), 'subscribed sub_client/downlink qos 1');
    const publish = page.getByRole('region', { name: 'Publish' });
    const text = 'hello from the browser ' + Date.now();
    await publish.getByLabel('Topic').fill('sub_client/downlink');
    await publish.getByLabel('Message').fill(text);
    await publish.getByLabel('QoS').selectOption('1');
    // Keyboard: Enter in a field submits its form.
    await publish.getByLabel('Message').press('Enter');
    const received = log.locator('div').filter({ hasText: 'received' }).filter({ hasText: text });
    await received.waitFor();
    result.received = (await received.textContent()).replace(/^\d\d:\d\d:\d\d  /, '');
    await shot(page, '04-websocket');
  });

  await step('subscriptions', async () => {
    // The WebSocket client stays connected while the user looks elsewhere, as in EMQ X.
    await nav('Subscriptions').click();
    await page.getByRole('heading', { name: 'Subscriptions', level: 1 }).waitFor();
    await page.getByRole('row').filter({ hasText: 'sub_client' }).filter({ hasText: 'sub_client/downlink' }).waitFor();
    await shot(page, '05-subscriptions');
  });

  await step('topics', async () => {
    await nav('Topics').click();
    await page.getByRole('heading', { name: 'Topics', level: 1 }).waitFor();
    await page.getByRole('row').filter({ hasText: 'sub_client/downlink' }).waitFor();
    await shot(page, '06-topics');
  });

  await step('retained', async () => {
    await nav('Retained').click();
    await page.getByRole('heading', { name: 'Retained messages', level: 1 }).waitFor();
    await page.getByRole('row').filter({ hasText: 'sensors/room1/temp' }).waitFor();
    await shot(page, '07-retained');
  });

  await step('backends', async () => {
    await nav('Redis backend').click();
    await page.getByRole('heading', { name: 'Redis backend', level: 1 }).waitFor();
    // One pool reaches its Redis, the other's server is not there: the page says which, and since when.
    await page.locator('section[data-state="up"]').filter({ hasText: 'Pool pool1' }).waitFor();
    await page.locator('section[data-state="down"]').filter({ hasText: 'Pool pool2' }).waitFor();
    await waitText(page.getByRole('region', { name: 'Redis server of pool1' }), 'master');
    await page.getByRole('row').filter({ hasText: 'on_message_publish' }).filter({ hasText: 'sensors/#' }).waitFor();
    await shot(page, '08-backends');
  });

  await operatorSteps(page, nav);

  await step('phone', async () => {
    // Every page at a phone's width: the menu folds behind its button, nothing widens the page.
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [hash, link, title] of PAGES) {
      await page.getByRole('button', { name: 'Menu' }).click();
      await nav(link).click();
      await page.getByRole('heading', { name: title, level: 1 }).waitFor();
      if (hash === 'overview') await page.waitForFunction(() => Number(document.getElementById('chart-msg').dataset.samples || 0) >= 2);
      if (hash === 'backends') await page.locator('section[data-state="down"]').first().waitFor();
      if (hash === 'nodes') await page.locator('[data-nodes]').waitFor();
      if (hash === 'acl') await page.locator('#acl-rules table').waitFor();
      if (hash === 'users') await page.locator('section.list[data-count]').waitFor();
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      if (wide > 390) throw new Error(hash + ' is ' + wide + ' px wide at 390 px');
      await shot(page, 'phone-' + hash);
    }
    // A client's details with its subscription form, at a phone's width.
    await page.getByRole('button', { name: 'Menu' }).click();
    await nav('Clients').click();
    await page.getByLabel('Client ID').fill('paho-target');
    await page.getByRole('row').filter({ hasText: 'paho-target' }).getByRole('button', { name: 'paho-target', exact: true }).click();
    await page.getByRole('heading', { name: 'Client paho-target' }).waitFor();
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    if (wide > 390) throw new Error('client details are ' + wide + ' px wide at 390 px');
    await shot(page, 'phone-client-details');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await step('dark', async () => {
    // The palette follows the system's prefers-color-scheme; the charts take the same colours.
    await page.emulateMedia({ colorScheme: 'dark' });
    for (const [hash, link, title] of PAGES.filter(p => ['overview', 'backends', 'alarms', 'users', 'acl'].includes(p[0]))) {
      await nav(link).click();
      await page.getByRole('heading', { name: title, level: 1 }).waitFor();
      if (hash === 'overview') await page.waitForFunction(() => Number(document.getElementById('chart-msg').dataset.samples || 0) >= 2);
      if (hash === 'backends') await page.locator('section[data-state="down"]').first().waitFor();
      if (hash === 'acl') await page.locator('#acl-rules table').waitFor();
      if (hash === 'users') await page.locator('section.list[data-count]').waitFor();
      const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      if (bg !== 'rgb(17, 22, 28)') throw new Error('dark mode not applied: body background ' + bg);
      await shot(page, 'dark-' + hash);
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });

  await step('logout', async () => {
    await nav('Password').click(); // the one page the desktop walkthrough does not otherwise show
    await page.getByRole('heading', { name: 'Dashboard password', level: 1 }).waitFor();
    await shot(page, '21-password');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.locator('#login-view').getByLabel('Password').waitFor();
    await page.setViewportSize({ width: 390, height: 844 });
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    if (wide > 390) throw new Error('the login page is ' + wide + ' px wide at 390 px');
    await shot(page, 'phone-login');
    await page.setViewportSize({ width: 1280, height: 800 });
  });
}

h.run(async (page) => {
  page.on('request', (r) => {
    if (/\/api\/v4\/clients\?/.test(r.url())) clientRequests++;
  });
  await run(page);
});
