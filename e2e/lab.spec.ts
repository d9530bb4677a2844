// The algorithm lab as someone choosing how to shard uses it: propose adding a node, compare every algorithm on the live keys, watch one move them.
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { openDashboard, pageErrors, shoot, travellers, watchTravellers } from './support';

test.describe.configure({ mode: 'serial' });

test.afterEach(({ page }) => {
  expect(pageErrors(page), 'errors logged by the page').toEqual([]);
});

/** The number in a cell of the lab's table, read as the page words it (1,234). */
async function figure(page: Page, algorithm: string, name: string): Promise<number> {
  const text = await page.locator(`[data-lab-table] tr[data-algorithm="${algorithm}"] td[data-figure="${name}"]`).innerText();
  return Number(text.split('\n')[0].replace(/,/g, ''));
}

test('the lab compares every algorithm on the live keys for a proposed node, and animates the one picked', async ({ page, request }) => {
  test.setTimeout(180_000);
  await openDashboard(page);
  await page.getByRole('link', { name: 'Algorithm lab' }).click();
  await expect(page).toHaveURL(/\/lab$/);
  await expect(page.getByRole('heading', { name: 'Ringside algorithm lab' })).toBeVisible();

  // Bad input changes nothing and says what to fix; so does the server's refusal.
  await page.getByLabel('Ringside vnodes to try').fill('40, lots');
  await page.getByRole('button', { name: 'Compare' }).click();
  await expect(page.locator('[data-lab-error]')).toContainText('"lots" is not one');
  await expect(page.locator('[data-lab-results]')).toHaveCount(0);
  await page.getByLabel('Ringside vnodes to try').fill('40, 1000');
  const keyCount = Number((await (await request.get('/api/snapshot')).json()).keyCount);
  if (keyCount === 0) {
    await page.getByLabel("The cluster's live keys", { exact: false }).check();
    await page.getByRole('button', { name: 'Compare' }).click();
    await expect(page.locator('[data-lab-error]')).toContainText('the cluster lists no keys');
    await expect(page.locator('[data-lab-results]')).toHaveCount(0);
  }
  // Enough keys that every algorithm moves some onto the new node.
  if (keyCount < 400) {
    expect((await request.post('/api/keys/fake', { data: { count: 400 } })).ok()).toBe(true);
    await page.reload();
  }

  // The proposal: the cluster's live keys, one more node of weight 1.
  await page.getByLabel("The cluster's live keys", { exact: false }).check();
  await expect(page.getByLabel('Change', { exact: true })).toHaveValue('add');
  const added = await page.getByLabel('New node').inputValue();
  await page.getByLabel('Its weight').fill('1');
  await page.getByLabel('Ringside vnodes to try').fill('40, 1000');
  await page.getByRole('button', { name: 'Compare' }).click();
  await expect(page.locator('[data-lab-results]')).toBeVisible({ timeout: 60_000 });
  await expect(page.locator('[data-lab-summary]')).toContainText(`add ${added} (weight 1)`);

  const ids = ['ringside', 'ringside@40', 'ringside@1000', 'ketama', 'jump', 'rendezvous', 'maglev', 'multi-probe', 'bounded-loads'];
  await expect(page.locator('[data-lab-table] tbody tr[data-algorithm]')).toHaveCount(ids.length + 1);
  for (const id of ids) {
    expect(await figure(page, id, 'moved'), `${id} moved`).toBeGreaterThan(0);
    await expect(page.locator(`[data-plot="moved"]`).getByText(id, { exact: true })).toBeVisible();
  }
  for (const plot of ['moved', 'copies', 'balance-keys', 'balance-bytes', 'lookup', 'memory']) await expect(page.locator(`[data-plot="${plot}"]`)).toBeVisible();

  // The same request to the API, on the same live keys, moves Ringside's keys alike.
  const api = await request.post('/api/lab', { data: { change: { add: added, weight: 1 }, tryVnodes: [40, 1000], capacityFactor: 1.25, timingRounds: 0 } });
  expect(api.ok()).toBe(true);
  const report = await api.json();
  expect(await figure(page, 'ringside', 'moved')).toBe(report.algorithms.ringside.moved);
  expect(await figure(page, 'ringside@1000', 'moved')).toBe(report.algorithms['ringside@1000'].moved);
  expect(await figure(page, 'minimum', 'moved')).toBe(report.minimum.primaries);
  // The fair-share minimum is no floor: those under it are named, with their balance before and after.
  const fewer = Object.values(report.algorithms as Record<string, { id: string; name: string; moved: number; minimum: number }>).filter((a) => a.moved < a.minimum);
  if (fewer.length === 0) await expect(page.locator('[data-below-minimum]')).toHaveCount(0);
  for (const a of fewer) await expect(page.locator('[data-below-minimum]')).toContainText(`${a.name} moved ${a.moved.toLocaleString('en-US')}`);
  await shoot(page, 'lab-compared');

  // Watch ketama add the node: every drawn key that changes node travels, and only onto the new node.
  await page.getByLabel('Algorithm to watch').selectOption('ketama');
  await watchTravellers(page);
  await page.getByRole('button', { name: 'Watch' }).click();
  await expect(page.locator('[data-lab-ring="ketama"]')).toHaveAttribute('data-animating', 'true', { timeout: 30_000 });
  await shoot(page, 'lab-ketama-travelling');
  const keys = page.locator('[data-lab-keys] li');
  await expect(keys.first()).toBeAttached();
  const moving = await page.$$eval('[data-lab-keys] li', (items) => items.filter((li) => li.dataset.from !== li.dataset.to).map((li) => ({ key: li.dataset.key!, to: li.dataset.to! })));
  expect(moving.length).toBeGreaterThan(0);
  expect(new Set(moving.map((m) => m.to))).toEqual(new Set([added]));
  await expect.poll(() => travellers(page), { timeout: 10_000 }).toEqual(moving.map((m) => m.key).sort());
  await expect(page.locator('[data-lab-ring="ketama"]')).not.toHaveAttribute('data-animating', 'true', { timeout: 10_000 });
  await expect(page.locator('[data-node-shares] tr[data-node]')).toHaveCount(report.nodes.length + 1);
  await expect(page.locator(`[data-node-shares] tr[data-node="${added}"]`)).toContainText('(added)');
  await shoot(page, 'lab-watched-ketama');

  // Multi-probe draws its keys at the probe that won them, each travelling to the point its probes reach first.
  await page.getByLabel('Algorithm to watch').selectOption('multi-probe');
  await page.getByRole('button', { name: 'Watch' }).click();
  await expect(page.locator('[data-lab-ring="multi-probe"]')).toContainText('at the probe that won them', { timeout: 30_000 });
  await expect(page.locator('[data-lab-motion="multi-probe"]')).toContainText(`${report.algorithms['multi-probe'].moved.toLocaleString('en-US')} of`);
  await expect(page.locator('[data-lab-ring="multi-probe"]')).not.toHaveAttribute('data-animating', 'true', { timeout: 10_000 });
  await shoot(page, 'lab-watched-multi-probe');

  // Jump has no ring: its shares per node, before and after, as bars.
  await page.getByLabel('Algorithm to watch').selectOption('jump');
  await page.getByRole('button', { name: 'Watch' }).click();
  await expect(page.locator('[data-lab-bars="jump"]')).toBeVisible({ timeout: 30_000 });
  await expect(page.locator('[data-lab-bars="jump"] [data-share-node]')).toHaveCount(report.nodes.length + 1);
  await expect(page.locator('[data-lab-motion="jump"]')).toContainText(`${report.algorithms.jump.moved.toLocaleString('en-US')} of`);

  // Removing a node jump cannot remove directly: the page says how it copes, and at what cost.
  await page.getByLabel('Change', { exact: true }).selectOption('remove');
  await page.getByLabel('Node to remove').selectOption(report.nodes[0].id);
  await page.getByRole('button', { name: 'Compare' }).click();
  await expect(page.locator('[data-workaround="jump"]')).toContainText(`${report.nodes[0].id} is not last`, { timeout: 60_000 });
  await expect(page.locator('[data-workaround="jump"]')).toContainText('Renumbering the buckets instead would move');

  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']).analyze();
    const found = results.violations.map((v) => ({ rule: v.id, impact: v.impact, nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary?.split('\n').slice(1).join(' ')}`) }));
    expect(found, `axe in ${colorScheme}`).toEqual([]);
  }
  await page.getByRole('link', { name: 'Back to the dashboard' }).click();
  await expect(page).toHaveURL(/\/$/);
});
