// What every browser spec needs: Debian's Chromium kept off the network, steps that print
// "PASS <step>", screenshots under perch-dashboard/target/screenshots/, and a last line
// "RESULT <json>". A spec fails on any console error, uncaught page error or request to a host
// other than the broker's; error answers a spec provokes on purpose (see `provoked`) are not.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const SHOTS = path.resolve(__dirname, '../../../target/screenshots');
const CHROMIUM = process.env.PERCH_CHROMIUM || '/usr/bin/chromium';
// Flags keep Chromium off the network (this machine has none) and quiet in a container.
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

class Harness {
  constructor(baseUrl, extra) {
    this.baseUrl = baseUrl;
    this.result = Object.assign({ steps: [], screenshots: [], consoleErrors: [], foreignRequests: [], dialogs: [] }, extra);
    this.provoked = []; // API paths the spec expects an error answer from, to see the page show the error
  }

  async step(name, fn) {
    await fn();
    this.result.steps.push(name);
    console.log('PASS ' + name);
  }

  async shot(page, name) {
    const file = path.join(SHOTS, name + '.png');
    await page.screenshot({ path: file, fullPage: true });
    this.result.screenshots.push(file);
  }

  // Runs body(page) in a fresh profile, prints RESULT and exits 0 only when everything passed.
  async run(body) {
    const result = this.result;
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
        // Chromium logs every 4xx/5xx answer; those the spec provokes on purpose are not errors.
        const provoked = /status of [45]\d\d/.test(m.text()) && this.provoked.some(p => (m.location().url || '').includes(p));
        if (m.type() === 'error' && !provoked) result.consoleErrors.push(m.text() + (m.location().url ? ' at ' + m.location().url : ''));
      });
      page.on('pageerror', (e) => result.consoleErrors.push('pageerror: ' + e.message));
      // Confirmations are accepted and kept, so the spec can check what the user was asked.
      page.on('dialog', (d) => { result.dialogs.push(d.message()); d.accept(); });
      // Nothing may come from or go to any host but the broker's (the page bundles its scripts).
      const host = new URL(this.baseUrl).hostname;
      page.on('request', (r) => {
        const u = new URL(r.url());
        if (u.protocol !== 'data:' && u.protocol !== 'blob:' && u.hostname !== host) result.foreignRequests.push(r.url());
      });
      page.on('websocket', (w) => { if (new URL(w.url()).hostname !== host) result.foreignRequests.push(w.url()); });
      await body(page);
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
  }
}

// Auto-waiting assertion on text: polls until the locator's text contains `text`.
async function waitText(locator, text) {
  await locator.filter({ hasText: text }).first().waitFor();
}

// Logs in through the login form and waits for the overview.
async function login(page, baseUrl, user, password) {
  await page.goto(baseUrl);
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
}

module.exports = { Harness, waitText, login };
