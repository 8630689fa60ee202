// The dashboard when the broker is one node of a cluster (DashboardBrowserTest runs it against
// a broker in a fixed three-node cluster: n2 listed alive but not answering, n3 without a
// heartbeat). The lists show a node column, a node filter and a warning naming the nodes that
// did not answer; the Nodes page lists all three, this one marked; the Listeners and Alarms pages have a node column. Screenshots at 1280 and 390 px.
//
// Usage: node cluster.spec.js <baseUrl> <user> <password> <thisNode>
const { Harness, waitText, login } = require('./harness');

const [baseUrl, user, password, self] = process.argv.slice(2);
if (!baseUrl || !user || !password || !self) {
  console.error('usage: node cluster.spec.js <baseUrl> <user> <password> <thisNode>');
  process.exit(2);
}
const h = new Harness(baseUrl, { nodeOptions: null });

h.run(async (page) => {
  const nav = (name) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
  const banner = page.getByRole('alert').filter({ hasText: 'Some nodes did not answer' });

  await h.step('login', () => login(page, baseUrl, user, password));

  await h.step('clients', async () => {
    await nav('Clients').click();
    await page.getByRole('heading', { name: 'Clients', level: 1 }).waitFor();
    await waitText(banner, 'n2');
    await waitText(banner, 'n3');
    await page.getByRole('columnheader', { name: 'Node' }).waitFor();
    await page.getByRole('row').filter({ hasText: 'node-local' }).filter({ hasText: self }).waitFor();
    h.result.nodeOptions = await page.getByLabel('Node', { exact: true }).locator('option').allTextContents();
    await h.shot(page, 'cluster-clients');
    // One node's clients come from that node: no other node is asked, so no warning.
    await page.getByLabel('Node', { exact: true }).selectOption(self);
    await page.getByRole('row').filter({ hasText: 'node-local' }).waitFor();
    await banner.waitFor({ state: 'detached' });
    // A node that does not answer: the page says so instead of showing an empty list.
    h.provoked.push('/api/v4/nodes/n2/clients');
    await page.getByLabel('Node', { exact: true }).selectOption('n2');
    await waitText(page.locator('.list .error'), 'node n2 did not answer');
  });

  await h.step('subscriptions', async () => {
    await nav('Subscriptions').click();
    await page.getByRole('heading', { name: 'Subscriptions', level: 1 }).waitFor();
    await waitText(banner, 'n3');
    await page.getByRole('row').filter({ hasText: 'local/topic' }).filter({ hasText: self }).waitFor();
  });

  await h.step('nodes', async () => {
    await nav('Nodes').click();
    await page.getByRole('heading', { name: 'Nodes', level: 1 }).waitFor();
    await page.locator('[data-nodes="3"]').waitFor();
    await waitText(page.getByRole('row').filter({ hasText: 'this node' }), self);
    await waitText(page.getByRole('row').filter({ hasText: 'n2' }), '1.2.3');
    await waitText(page.getByRole('row').filter({ hasText: 'n3' }), 'no heartbeat');
    await waitText(page.getByRole('row').filter({ hasText: 'n3' }), 'min');
    await h.shot(page, 'cluster-nodes');
  });

  await h.step('listeners', async () => {
    // An entry per node: a node column, and the node that did not answer named.
    await nav('Listeners').click();
    await page.getByRole('heading', { name: 'Listeners', level: 1 }).waitFor();
    await page.getByRole('columnheader', { name: 'Node' }).waitFor();
    await page.getByRole('row').filter({ hasText: 'MQTT over TCP' }).filter({ hasText: self }).waitFor();
    await waitText(banner, 'n2');
    await h.shot(page, 'cluster-listeners');
  });

  await h.step('alarms', async () => {
    // Every node's alarms: this node's (at its limit of one connection) in a row with its node,
    // and the nodes that did not answer named.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Alarms/ }).click();
    await page.getByRole('heading', { name: 'Alarms', level: 1 }).waitFor();
    await waitText(banner, 'n2');
    await waitText(banner, 'n3');
    await page.getByRole('columnheader', { name: 'Node' }).waitFor();
    await page.getByRole('row').filter({ hasText: 'connections_near_limit/node' }).filter({ hasText: self }).waitFor();
  });

  await h.step('phone', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [link, title, name] of [['Clients', 'Clients', 'clients'], ['Nodes', 'Nodes', 'nodes'],
    ['Listeners', 'Listeners', 'listeners']]) {
      await page.getByRole('button', { name: 'Menu' }).click();
      await nav(link).click();
      await page.getByRole('heading', { name: title, level: 1 }).waitFor();
      if (name === 'clients') await waitText(banner, 'n3');
      if (name === 'nodes') await page.locator('[data-nodes="3"]').waitFor();
      if (name === 'listeners') await page.locator('[data-listeners]').waitFor();
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      if (wide > 390) throw new Error(name + ' is ' + wide + ' px wide at 390 px');
      await h.shot(page, 'phone-cluster-' + name);
    }
  });
});
