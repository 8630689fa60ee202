// Drives the Perch dashboard in Debian's Chromium the way a user follows the EMQ X walkthrough:
// log in, look at the overview and the clients, then Tools -> WebSocket: connect `sub_client`,
// subscribe to `sub_client/downlink` at QoS 1, publish to it and see the message arrive.
// Then checks that the charts' history survives a reload and shows every page at a phone's
// width (390 px). Saves one screenshot per page and width under perch-dashboard/target/screenshots/
// and fails on any console error, uncaught page error or request to a host other than the broker's.
//
// Usage: node dashboard.spec.js <baseUrl> <user> <password> [expectedWsPort]
// Prints "PASS <step>" per step and, last, "RESULT <json>"; exits 0 only when every step passed.
// The password is never printed.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const [baseUrl, user, password, wsPort] = process.argv.slice(2);
if (!baseUrl || !user || !password) {
  console.error('usage: node dashboard.spec.js <baseUrl> <user> <password> [expectedWsPort]');
  process.exit(2);
}
const SHOTS = path.resolve(__dirname, '../../../target/screenshots');
const CHROMIUM = process.env.PERCH_CHROMIUM || '/usr/bin/chromium';
// Flags keep Chromium off the network (this machine has none) and quiet in a container.
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const result = { steps: [], screenshots: [], consoleErrors: [], wsPort: null, received: null, foreignRequests: [],
  samplesBeforeReload: null, samplesAfterReload: null };
const PAGES = [['overview', 'Overview', 'Overview'], ['clients', 'Clients', 'Clients'], ['subscriptions', 'Subscriptions', 'Subscriptions'],
  ['topics', 'Topics', 'Topics'], ['retained', 'Retained', 'Retained messages'], ['backends', 'Redis backend', 'Redis backend'],
  ['websocket', 'WebSocket', 'WebSocket client'], ['password', 'Password', 'Dashboard password']];

async function step(name, fn) {
  await fn();
  result.steps.push(name);
  console.log('PASS ' + name);
}

async function shot(page, name) {
  const file = path.join(SHOTS, name + '.png');
  await page.screenshot({ path: file, fullPage: true });
  result.screenshots.push(file);
}

// Auto-waiting assertion on text: polls until the locator's text contains `text`.
async function waitText(locator, text) {
  await locator.filter({ hasText: text }).first().waitFor();
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
    const row = page.getByRole('row').filter({ hasText: 'paho-watcher' });
    await waitText(row, 'connected');
    await row.getByRole('button', { name: 'paho-watcher', exact: true }).click();
    await page.getByRole('button', { name: 'Kick out paho-watcher' }).waitFor(); // action buttons name their client
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

  await step('phone', async () => {
    // Every page at a phone's width: the menu folds behind its button, nothing widens the page.
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [hash, link, title] of PAGES) {
      await page.getByRole('button', { name: 'Menu' }).click();
      await nav(link).click();
      await page.getByRole('heading', { name: title, level: 1 }).waitFor();
      if (hash === 'overview') await page.waitForFunction(() => Number(document.getElementById('chart-msg').dataset.samples || 0) >= 2);
      if (hash === 'backends') await page.locator('section[data-state="down"]').first().waitFor();
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      if (wide > 390) throw new Error(hash + ' is ' + wide + ' px wide at 390 px');
      await shot(page, 'phone-' + hash);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await step('dark', async () => {
    // The palette follows the system's prefers-color-scheme; the charts take the same colours.
    await page.emulateMedia({ colorScheme: 'dark' });
    for (const [hash, link, title] of [PAGES[0], PAGES[5]]) {
      await nav(link).click();
      await page.getByRole('heading', { name: title, level: 1 }).waitFor();
      if (hash === 'overview') await page.waitForFunction(() => Number(document.getElementById('chart-msg').dataset.samples || 0) >= 2);
      if (hash === 'backends') await page.locator('section[data-state="down"]').first().waitFor();
      const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      if (bg !== 'rgb(17, 22, 28)') throw new Error('dark mode not applied: body background ' + bg);
      await shot(page, 'dark-' + hash);
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });

  await step('logout', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.locator('#login-view').getByLabel('Password').waitFor();
  });
}

(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'perch-chromium-'));
  let context;
  let failure = null;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 800 },
    });
    const page = context.pages()[0] || await context.newPage();
    page.setDefaultTimeout(15000);
    page.on('console', (m) => {
      if (m.type() === 'error') result.consoleErrors.push(m.text() + (m.location().url ? ' at ' + m.location().url : ''));
    });
    page.on('pageerror', (e) => result.consoleErrors.push('pageerror: ' + e.message));
    page.on('dialog', (d) => d.dismiss());
    // Nothing may come from or go to any host but the broker's (the page bundles its scripts).
    const host = new URL(baseUrl).hostname;
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.protocol !== 'data:' && u.protocol !== 'blob:' && u.hostname !== host) result.foreignRequests.push(r.url());
    });
    page.on('websocket', (w) => { if (new URL(w.url()).hostname !== host) result.foreignRequests.push(w.url()); });
    await run(page);
  } catch (e) {
    failure = e;
  } finally {
    if (context) await context.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
  }
  console.log('RESULT ' + JSON.stringify(result));
  if (failure) {
    console.error('FAIL after ' + (result.steps.length ? result.steps[result.steps.length - 1] : 'start') + ': ' + failure.message);
    process.exit(1);
  }
  if (result.foreignRequests.length) {
    console.error('FAIL requests to other hosts: ' + result.foreignRequests.join(' | '));
    process.exit(1);
  }
  if (result.consoleErrors.length) {
    console.error('FAIL console errors: ' + result.consoleErrors.join(' | '));
    process.exit(1);
  }
})();
