// Journeys through the dashboard, in order on one cluster of real local memcached: the ring, keys, a rebalance, a failure drill, two tabs.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Route } from '@playwright/test';
import {
  clusterSnapshot,
  count,
  deleteBehindRingside,
  isolatedKeys,
  markPoint,
  nodeCard,
  openDashboard,
  pageErrors,
  paintedMarks,
  progressSeen,
  ring,
  shoot,
  travellers,
  vnodeCounts,
  watchProgress,
  watchTravellers,
} from './support';

test.describe.configure({ mode: 'serial' });

/** The `ringside` command in its own process, as a user types it in a terminal beside the browser. */
function ringsideShell(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // Its own empty data directory: attached with --url, the shell must never open a cluster of its own.
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ringside-e2e-shell-'));
  return new Promise((resolve) => {
    execFile(
      path.resolve('node_modules/.bin/tsx'),
      ['--conditions=react-server', path.resolve('scripts/ringside.ts'), ...args],
      { env: { ...process.env, RINGSIDE_DATA_DIR: dataDir, RINGSIDE_BOOTSTRAP_NODES: '0' }, timeout: 60_000 },
      (error, stdout, stderr) => {
        rmSync(dataDir, { recursive: true, force: true });
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    ).stdin?.end();
  });
}

test.afterEach(({ page }) => {
  expect(pageErrors(page), 'errors logged by the page').toEqual([]);
});

test('the ring shows 3 nodes of 160 vnodes, and 200 generated keys as 200 marks', async ({ page, request }) => {
  await openDashboard(page);
  await expect(page).toHaveTitle('Ringside');
  // The ring mark as the tab's icon and the app icon, and the favicon a browser asks for on its own.
  for (const rel of ['icon', 'apple-touch-icon']) {
    const href = await page.locator(`head link[rel="${rel}"]`).first().getAttribute('href');
    expect((await request.get(href!)).ok(), rel).toBe(true);
  }
  expect((await request.get('/favicon.ico')).headers()['content-type']).toMatch(/icon/);
  const cluster = await clusterSnapshot(request);
  expect(cluster.nodes.map((n) => n.id)).toHaveLength(3);
  expect(await vnodeCounts(page)).toEqual(Object.fromEntries(cluster.nodes.map((n) => [n.id, 160])));
  await expect(ring(page).locator('[data-key]')).toHaveCount(0);

  await page.getByLabel('Count', { exact: true }).fill('200');
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.locator('[data-generate-result]')).toContainText('Wrote 200 fake keys');
  await expect(ring(page).locator('[data-key]')).toHaveCount(200);
  expect((await clusterSnapshot(request)).keyCount).toBe(200);
  // Every key is painted: an opaque dot at its place on the ring's canvas.
  const alone = await isolatedKeys(page);
  expect(alone.length).toBeGreaterThan(100);
  expect(Object.values(await paintedMarks(page, alone)).every((m) => m.opacity > 200 && !m.ringed)).toBe(true);
  await shoot(page, 'a-ring-with-200-keys');

  // Pointing at a mark names its key; clicking it selects the key, with its replicas drawn.
  const key = alone[0];
  const at = await markPoint(page, key);
  await page.mouse.move(at.x, at.y);
  await expect(page.getByRole('tooltip')).toContainText(key);
  await page.mouse.click(at.x, at.y);
  await expect(page.locator('[data-selection]')).toHaveAttribute('data-selection', key);
  await expect(ring(page).locator(`[data-selected-key="${key}"] [data-replica]`)).toHaveCount(3);
  await page.mouse.move(1, 1);
  await expect(page.getByRole('tooltip')).toHaveCount(0);
  await page.getByRole('button', { name: 'Clear', exact: true }).click();
});

test('a key put through the form can be read back, with its replicas drawn and the serving replica marked', async ({ page, request }) => {
  await openDashboard(page);
  const key = `greeting:{e2e}:${Date.now()}`;
  await page.getByLabel('Key', { exact: true }).fill(key);
  await page.getByLabel('Value', { exact: true }).fill('hello from the ring');
  // The mark is drawn from the put's own answer: with snapshots and lookups held back, it shows all the same.
  const held: Route[] = [];
  let holding = true;
  const snapshotsAndLookups = /\/api\/(snapshot|keys\/[^/]+\/locate)/;
  await page.route(snapshotsAndLookups, (route) => (holding ? void held.push(route) : route.continue()));
  await page.getByRole('button', { name: 'Put', exact: true }).click();
  const result = page.locator('[data-key-result]');
  await expect(result).toContainText('on 3 of 3 replicas');
  await expect(ring(page).locator(`[data-key="${key}"]`)).toHaveCount(1);
  expect(held.length, 'snapshots or lookups asked for meanwhile').toBeGreaterThan(0);
  holding = false;
  for (const route of held) await route.continue();
  await page.unroute(snapshotsAndLookups);

  // Selected after the put: a line to the primary and to each replica, each really holding the key.
  const placement = (await clusterSnapshot(request)).keys.find((k) => k.key === key)!;
  expect(placement.holders.sort()).toEqual([...placement.preference].sort());
  const replicas = ring(page).locator('[data-replica]');
  await expect(replicas).toHaveCount(3);
  expect(await replicas.evaluateAll((marks) => marks.map((m) => m.getAttribute('data-replica')))).toEqual(placement.preference);
  await expect(ring(page).locator('[data-replica][data-holds="true"]')).toHaveCount(3);
  await expect(ring(page).locator(`[data-replica="${placement.preference[0]}"]`)).toHaveAttribute('data-role', 'primary');

  await page.getByRole('button', { name: 'Get', exact: true }).click();
  await expect(result.locator('[data-value]')).toHaveText('hello from the ring');
  await expect(result.locator('[data-served-by]')).toHaveAttribute('data-served-by', placement.preference[0]);
  await expect(ring(page).locator(`[data-replica="${placement.preference[0]}"][data-served="true"]`)).toHaveCount(1);
  await expect(page.locator(`[data-replica-row="${placement.preference[0]}"]`)).toContainText('served the last read');
  await shoot(page, 'b-key-with-replicas');
});

test('adding a node previews the move, then its 160 vnodes appear and keys travel to it; counts match the cluster', async ({ page, request }) => {
  // The page's clock, so the travel can be held still for its screenshot.
  await page.clock.install();
  await openDashboard(page);
  const before = await clusterSnapshot(request);
  await shoot(page, 'ring-before', true);

  await page.getByRole('button', { name: 'Add node' }).click();
  const preview = page.locator('[data-preview]');
  await expect(preview).toContainText(`of ${count(before.keyCount)} keys would change primary`);
  await expect(preview).toContainText('consistent hashing predicts');
  await shoot(page, 'c-add-node-preview');

  // Keys travel for about a second once the new ring arrives. The page's clock is stepped by hand from here,
  // so the travel cannot finish unseen while this test waits on a loaded machine: count the travellers, and catch a frame.
  await watchTravellers(page);
  await watchProgress(page);
  const animating = () => page.evaluate(() => document.querySelector('svg[aria-label="Hash ring"]')?.getAttribute('data-animating') === 'true');
  await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 50);
  await page.getByRole('button', { name: 'Apply' }).click();
  for (let step = 0; step < 600 && !(await animating()); step++) await page.clock.runFor(50);
  expect(await animating()).toBe(true);
  await page.clock.runFor(300);
  expect(await page.locator('[data-travel]').count()).toBeGreaterThan(0);
  await shoot(page, 'ring-during', true);
  await page.clock.resume();

  // The progress bar counted every copy; the summary says what moved against the minimum the ring change needs.
  const summary = page.locator('[data-move-summary]');
  await expect(summary).toContainText('against a minimum of');
  const copied = Number(await summary.locator('[data-copied]').getAttribute('data-copied'));
  expect(copied).toBeGreaterThan(0);
  await expect(summary).toContainText(`Copied ${count(copied)} against a minimum of ${count(copied)}`);
  expect(await progressSeen(page)).toEqual({ done: copied, total: copied });
  const after = await clusterSnapshot(request);
  // Exactly the keys whose primary changed travelled, each onto the new node.
  const moved = after.keys.filter((k) => before.keys.find((b) => b.key === k.key)!.preference[0] !== k.preference[0]);
  expect(moved.length).toBeGreaterThan(0);
  expect(await travellers(page)).toEqual(moved.map((k) => k.key).sort());
  const added = after.nodes.find((n) => !before.nodes.some((m) => m.id === n.id))!;
  expect(added).toBeDefined();
  expect(moved.every((k) => k.preference[0] === added.id)).toBe(true);
  await expect.poll(() => vnodeCounts(page)).toEqual(Object.fromEntries(after.nodes.map((n) => [n.id, 160])));
  await expect(ring(page).locator('[data-key]')).toHaveCount(before.keyCount);
  await expect(ring(page)).not.toHaveAttribute('data-animating', 'true');

  const total = after.nodes.reduce((sum, n) => sum + (n.keys?.primary ?? 0), 0);
  expect(total).toBe(after.keyCount);
  expect(after.nodes.find((n) => n.id === added.id)!.keys!.primary).toBeGreaterThan(0);
  for (const node of after.nodes) {
    await expect(nodeCard(page, node.id).locator('[data-count="primary"]')).toHaveText(count(node.keys!.primary));
    await expect(nodeCard(page, node.id).locator('[data-count="replica"]')).toHaveText(count(node.keys!.replica));
  }

  // Hovering the new node in the legend dims every key it does not hold (as the move left them), and only those:
  // read back from the canvas the marks are painted on, at each mark no other overlaps.
  const held = new Set(after.keys.filter((k) => k.holders.includes(added.id)).map((k) => k.key));
  expect(held.size).toBeGreaterThan(0);
  expect(held.size).toBeLessThan(after.keyCount);
  const alone = await isolatedKeys(page);
  expect(alone.length).toBeGreaterThan(after.keyCount / 2);
  const dimmed = async () =>
    Object.entries(await paintedMarks(page, alone))
      .filter(([, mark]) => mark.opacity < 128)
      .map(([key]) => key)
      .sort();
  await page.getByRole('list', { name: 'Nodes on the ring' }).getByRole('button', { name: added.id, exact: true }).hover();
  const notHeld = alone.filter((key) => !held.has(key)).sort();
  expect(notHeld.length).toBeGreaterThan(0);
  await expect.poll(dimmed).toEqual(notHeld);
  await page.mouse.move(1, 1);
  await expect.poll(async () => (await dimmed()).length).toBe(0);
  await shoot(page, 'ring-after', true);
});

test('a killed node loses no key; once revived, the under-replicated marks disappear', async ({ page, request }) => {
  await openDashboard(page);
  const before = await clusterSnapshot(request);
  const victim = before.nodes[1].id;
  const holdersOfVictim = before.keys.filter((k) => k.preference.includes(victim)).length;

  await nodeCard(page, victim).getByRole('button', { name: 'Kill' }).click();
  await expect(nodeCard(page, victim).locator('[data-status]')).toHaveText('down');
  await expect(ring(page).locator('[data-key][data-under="true"]')).toHaveCount(holdersOfVictim);
  // On the canvas: a red ring round each key the victim held, and round no other.
  const alone = await isolatedKeys(page);
  const ringed = async () =>
    Object.entries(await paintedMarks(page, alone))
      .filter(([, mark]) => mark.ringed)
      .map(([key]) => key)
      .sort();
  const victimHeld = before.keys.filter((k) => k.preference.includes(victim) && alone.includes(k.key)).map((k) => k.key);
  expect(victimHeld.length).toBeGreaterThan(0);
  await expect.poll(ringed).toEqual(victimHeld.sort());
  await shoot(page, 'd-node-killed');

  await page.getByRole('button', { name: 'Read all' }).click();
  await expect(page.locator('[data-generate-result]')).toContainText(`Read ${count(before.keyCount)} of ${count(before.keyCount)} keys`);
  const orphan = before.keys.find((k) => k.preference[0] === victim)!;
  await page.getByLabel('Key', { exact: true }).fill(orphan.key);
  await page.getByRole('button', { name: 'Get', exact: true }).click();
  const servedBy = page.locator('[data-key-result] [data-served-by]');
  await expect(servedBy).toHaveAttribute('data-served-by', orphan.preference[1]);
  await expect(ring(page).locator(`[data-replica="${victim}"]`)).toHaveAttribute('data-holds', 'false');

  await nodeCard(page, victim).getByRole('button', { name: 'Revive' }).click();
  await expect(nodeCard(page, victim).locator('[data-status]')).toHaveText('up');
  await expect(ring(page).locator('[data-key][data-under="true"]')).toHaveCount(0, { timeout: 15_000 });
  await expect.poll(ringed).toEqual([]);
  await expect(ring(page).locator(`[data-replica="${victim}"]`)).toHaveAttribute('data-holds', 'true');
  const repaired = await clusterSnapshot(request);
  expect(repaired.keys.every((k) => k.missing.length === 0)).toBe(true);
  await shoot(page, 'd-node-revived');
});

test('the key form puts and gets at a chosen level: W=all refused while a node is down, naming who answered; W=one stored; R=majority shows each answer', async ({ page, request }) => {
  await openDashboard(page);
  const key = `levels:{e2e}:${Date.now()}`;
  // A replica of the key, whatever the ring holds by now (earlier journeys add nodes).
  const located = (await (await request.get(`/api/keys/${encodeURIComponent(key)}/locate`)).json()) as { replicas: { node: string }[] };
  const victim = located.replicas[2].node;
  await nodeCard(page, victim).getByRole('button', { name: 'Kill' }).click();
  await expect(nodeCard(page, victim).locator('[data-status]')).toHaveText('down');
  const result = page.locator('[data-key-result]');
  await page.getByLabel('Key', { exact: true }).fill(key);
  await page.getByLabel('Value', { exact: true }).fill('at a level');
  await expect(page.getByLabel('Write level (W)').locator('option').first()).toHaveText('default (one)');

  await page.getByLabel('Write level (W)').selectOption('all');
  await page.getByRole('button', { name: 'Put', exact: true }).click();
  await expect(result).toContainText(`the write of ${key} at W=all needs 3 of 3 replicas`);
  await expect(result).toContainText(`${victim} ✗ down`);
  await expect(result.locator('[data-replicas-answered]')).toHaveAttribute('data-replicas-answered', /^node-\d,node-\d$/);

  await page.getByLabel('Write level (W)').selectOption('one');
  await page.getByRole('button', { name: 'Put', exact: true }).click();
  await expect(result).toContainText('on 2 of 3 replicas (W=one)');

  await page.getByLabel('Read level (R)').selectOption('majority');
  await page.getByRole('button', { name: 'Get', exact: true }).click();
  await expect(result.locator('[data-value]')).toHaveText('at a level');
  await expect(result).toContainText('Answered (R=majority)');
  await expect(result.locator('[data-replicas-answered]')).toHaveAttribute('data-replicas-answered', /^node-\d,node-\d$/);
  await expect(result).toContainText('✓ value');
  await shoot(page, 'd-key-at-a-level');

  await nodeCard(page, victim).getByRole('button', { name: 'Revive' }).click();
  await expect(nodeCard(page, victim).locator('[data-status]')).toHaveText('up');
  await expect(ring(page).locator('[data-key][data-under="true"]')).toHaveCount(0, { timeout: 15_000 });
});

test('removing a node moves its keys away and takes its vnodes off the ring; with reduced motion nothing travels', async ({ page, request }) => {
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await openDashboard(page);
  await watchTravellers(page);
  const before = await clusterSnapshot(request);
  const leaving = before.nodes[before.nodes.length - 1].id;

  await nodeCard(page, leaving).getByRole('button', { name: 'Remove' }).click();
  await expect(page.locator('[data-preview]')).toContainText('keys would change primary');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.locator('[data-move-summary]')).toContainText(`Remove ${leaving}: done.`);
  await expect(nodeCard(page, leaving)).toHaveCount(0);
  await expect.poll(() => vnodeCounts(page)).toEqual(Object.fromEntries(before.nodes.filter((n) => n.id !== leaving).map((n) => [n.id, 160])));
  await expect(ring(page).locator('[data-key]')).toHaveCount(before.keyCount);
  await expect(ring(page).locator('[data-key][data-under="true"]')).toHaveCount(0);
  const after = await clusterSnapshot(request);
  expect(after.keyCount).toBe(before.keyCount);
  expect(after.keys.every((k) => !k.holders.includes(leaving) && k.missing.length === 0)).toBe(true);
  expect(await travellers(page)).toEqual([]);
  await shoot(page, 'e-node-removed');
});

test('two tabs stay in sync: a put in one shows as a key mark in the other within a second', async ({ page, context }) => {
  const other = await context.newPage();
  await openDashboard(page);
  await openDashboard(other);
  const key = `sync:{tabs}:${Date.now()}`;

  await page.getByLabel('Key', { exact: true }).fill(key);
  await page.getByLabel('Value', { exact: true }).fill('seen everywhere');
  await page.getByRole('button', { name: 'Put', exact: true }).click();
  await expect(page.locator('[data-key-result]')).toContainText('Stored');
  await expect(ring(other).locator(`[data-key="${key}"]`)).toHaveCount(1, { timeout: 1_000 });

  // And back: a delete in the other tab removes the mark here.
  await other.getByLabel('Key', { exact: true }).fill(key);
  await other.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(other.locator('[data-key-result]')).toContainText('Deleted');
  await expect(ring(page).locator(`[data-key="${key}"]`)).toHaveCount(0, { timeout: 1_000 });
  await shoot(other, 'f-second-tab');
  expect(pageErrors(other), 'errors logged by the second tab').toEqual([]);
});

test('a key put and deleted from the shell (--url) appears and disappears on the ring', async ({ page, baseURL }) => {
  await openDashboard(page);
  const key = `shell:{typed}:${Date.now()}`;
  const put = await ringsideShell(['put', key, 'typed', 'in', 'a', 'terminal', '--url', baseURL!, '--json']);
  expect(put.code, put.stderr).toBe(0);
  expect(JSON.parse(put.stdout).acknowledged).toBe(3);
  await expect(ring(page).locator(`[data-key="${key}"]`)).toHaveCount(1, { timeout: 2_000 });
  await shoot(page, 'f-shell-put');
  const deleted = await ringsideShell(['delete', key, '--url', baseURL!]);
  expect(deleted.code, deleted.stderr).toBe(0);
  await expect(ring(page).locator(`[data-key="${key}"]`)).toHaveCount(0, { timeout: 2_000 });
});

test('on a phone, in the dark, from the keyboard alone: panels stack and a key can be put', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.emulateMedia({ colorScheme: 'light' });
  await openDashboard(page);
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const light = await background();
  await page.emulateMedia({ colorScheme: 'dark' });
  expect(await background()).not.toBe(light);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  const ringBox = (await ring(page).boundingBox())!;
  const nodesBox = (await page.getByRole('region', { name: 'Nodes' }).boundingBox())!;
  expect(nodesBox.y).toBeGreaterThan(ringBox.y + ringBox.height);

  const key = `phone:{kbd}:${Date.now()}`;
  await page.getByLabel('Key', { exact: true }).focus();
  await page.keyboard.type(key);
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('TTL')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Value', { exact: true })).toBeFocused();
  await page.keyboard.type('typed, not clicked');
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Write level (W)')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Read level (R)')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Put', exact: true })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-key-result]')).toContainText('on 3 of 3 replicas');
  await expect(ring(page).locator(`[data-key="${key}"]`)).toHaveCount(1);
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Get', exact: true })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-key-result] [data-value]')).toHaveText('typed, not clicked');
  await page.getByRole('region', { name: 'Ring' }).screenshot({ path: 'test-results/journeys/g-phone-dark-ring.png' });
  await shoot(page, 'g-phone-dark');
});

test('in light and in dark, with a key selected and a change previewed, axe finds no accessibility violation', async ({ page }) => {
  await openDashboard(page);
  const key = `a11y:{contrast}:${Date.now()}`;
  await page.getByLabel('Key', { exact: true }).fill(key);
  await page.getByLabel('Value', { exact: true }).fill('read me');
  await page.getByRole('button', { name: 'Put', exact: true }).click();
  await expect(page.locator('[data-key-result]')).toContainText('on 3 of 3 replicas');
  await page.getByRole('button', { name: 'Add node' }).click();
  await expect(page.locator('[data-preview]')).toContainText('would change primary');
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']).analyze();
    const found = results.violations.map((v) => ({ rule: v.id, impact: v.impact, nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary?.split('\n').slice(1).join(' ')}`) }));
    expect(found, `axe in ${colorScheme}`).toEqual([]);
    await shoot(page, `h-axe-${colorScheme}`);
  }
  await page.getByRole('button', { name: 'Cancel' }).click();
});

test('over 10,000 keys the ring shows density, and Find key still finds a key beyond the first 10,000', async ({ page, request }) => {
  await openDashboard(page);
  await page.getByLabel('Count', { exact: true }).fill('10000');
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.locator('[data-generate-result]')).toContainText('Wrote 10,000 fake keys', { timeout: 60_000 });
  // Sorted last of all, so the snapshot (the first 10,000 keys) cannot carry it.
  const key = `~far:{beyond}:${Date.now()}`;
  const put = await request.put(`/api/keys/${encodeURIComponent(key)}`, { data: { value: 'found anyway' } });
  expect(put.ok()).toBe(true);
  await expect(ring(page)).toHaveAttribute('data-dense', 'true');
  const cluster = await clusterSnapshot(request);
  expect(cluster.keyCount).toBeGreaterThan(cluster.keys.length);
  expect(cluster.keys.some((k) => k.key === key)).toBe(false);

  await page.getByLabel('Find key').fill(key);
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  const located = await (await request.get(`/api/keys/${encodeURIComponent(key)}/locate`)).json();
  const preference: string[] = located.replicas.map((r: { node: string }) => r.node);
  const drawn = ring(page).locator(`[data-selected-key="${key}"]`);
  await expect(drawn).toHaveCount(1);
  for (const node of preference) await expect(page.locator(`[data-replica-row="${node}"]`)).toContainText('holds it');
  await expect(page.locator('[data-located="server"]')).toBeVisible();
  await shoot(page, 'i-find-beyond-snapshot');

  await page.getByLabel('Find key').fill('~no-such-key-anywhere');
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  await expect(page.locator('[data-find-message]')).toContainText('No key “~no-such-key-anywhere” on the ring');
});

test("a replica lost behind the cluster's back shows in the header, which leads to the key; Repair previews its copy, then restores it", async ({ page, request }) => {
  await openDashboard(page);
  expect((await clusterSnapshot(request)).underReplicated).toBe(0);
  // One key sorted first, which the page holds, and one sorted last, beyond the first 10,000 keys a page holds.
  const stamp = Date.now();
  const lost = [`!repair:{near}:${stamp}`, `~repair:{far}:${stamp}`];
  for (const key of lost) expect((await request.put(`/api/keys/${encodeURIComponent(key)}`, { data: { value: 'lost once' } })).ok()).toBe(true);
  const replicas = async (key: string): Promise<{ node: string; holds: boolean | null }[]> => (await (await request.get(`/api/keys/${encodeURIComponent(key)}/locate`)).json()).replicas;
  const nodes = (await clusterSnapshot(request)).nodes;
  for (const key of lost) {
    const replica = (await replicas(key))[1].node;
    expect(await deleteBehindRingside(nodes.find((n) => n.id === replica)!.address, key)).toBe(true);
  }
  // memcached tells no one: any change makes every tab look again.
  expect((await request.put('/api/keys/repair%3Anudge', { data: { value: 'x' } })).ok()).toBe(true);

  const under = page.locator('[data-under-replicated]');
  await expect(under).toHaveText('2 under-replicated');
  await shoot(page, 'j-under-replicated');
  await under.click();
  await expect(page.getByRole('checkbox', { name: /Under-replicated only/ })).toBeChecked();
  const list = page.getByRole('list', { name: 'Keys and their placement' });
  await expect(list).toBeInViewport();
  await expect(list.getByRole('listitem')).toHaveCount(2);
  for (const key of lost) await expect(list).toContainText(key);
  await shoot(page, 'j-under-replicated-keys');

  await page.getByRole('button', { name: 'Repair', exact: true }).click();
  const preview = page.locator('[data-preview]');
  await expect(preview).toHaveAttribute('data-preview-copies', '2');
  await expect(preview).toContainText(/^2 copies would bring 2 of [\d,]+ keys back to every replica, and 0 deletes/);
  await shoot(page, 'j-repair-preview');
  await page.getByRole('button', { name: 'Apply' }).click();
  const summary = page.locator('[data-move-summary]');
  await expect(summary).toContainText('Repair: done. Copied 2 of 2 previewed, deleted 0');
  await expect(under).toHaveCount(0);
  await expect(list.getByRole('listitem')).toHaveCount(0);
  await shoot(page, 'j-repaired');
  expect((await clusterSnapshot(request)).underReplicated).toBe(0);
  for (const key of lost) expect((await replicas(key)).map((r) => r.holds)).toEqual([true, true, true]);

  // With nothing left to do, the preview says so.
  await page.getByRole('button', { name: 'Repair', exact: true }).click();
  await expect(preview).toContainText('Nothing needs repair');
  await page.getByRole('button', { name: 'Cancel' }).click();
});

test('a full node says so: its memory bar reaches its limit and names the slab class that refuses, and a put shows the refusal', async ({ page, request }) => {
  // A small memcached of our own, added by address, filled with big values through the API.
  const port = Number(execFileSync(process.execPath, ['-e', "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})"]).toString());
  const args = ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', '8', '-M', '-I', '1m', ...(process.getuid?.() === 0 ? ['-u', 'root'] : [])];
  const server = spawn('memcached', args, { stdio: 'ignore' });
  try {
    await expect.poll(async () => (await request.post('/api/nodes', { data: { id: 'small', address: `127.0.0.1:${port}` } })).status(), { timeout: 30_000 }).toBe(201);
    const big = 'x'.repeat(100_000);
    let refused: { node: string; error?: string } | undefined;
    let key = '';
    for (let i = 0; i < 300 && !refused; i++) {
      key = `big:{${i}}`;
      const put = await (await request.put(`/api/keys/${encodeURIComponent(key)}`, { data: { value: big } })).json();
      refused = put.replicas?.find((r: { node: string; error?: string }) => r.error === 'out_of_memory');
    }
    expect(refused).toEqual({ node: 'small', ok: false, error: 'out_of_memory' });

    await openDashboard(page);
    const card = nodeCard(page, 'small');
    const meter = card.getByRole('meter', { name: 'Memory' });
    await expect(meter).toHaveAttribute('aria-valuemax', String(8 * 1024 * 1024));
    await expect(meter).toHaveAttribute('aria-valuetext', /of 8\.0 MiB, full$/);
    await expect(card.locator('[data-full-slab]')).toContainText(/Slab class \d+ \(chunks of 10\d KiB\) is full: [\d,]+ writes refused/);
    await expect(nodeCard(page, 'node-1').getByRole('meter', { name: 'Memory' })).not.toHaveAttribute('aria-valuetext', /full/);
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      const results = await new AxeBuilder({ page }).include('[data-node-card="small"]').withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']).analyze();
      expect(
        results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
        `axe on the full card in ${colorScheme}`,
      ).toEqual([]);
    }
    await page.emulateMedia({ colorScheme: 'light' });

    // The same write again from the form: stored on the others, refused by the full node.
    await page.getByLabel('Key', { exact: true }).fill(key);
    await page.getByLabel('Value', { exact: true }).fill(big);
    await page.getByRole('button', { name: 'Put', exact: true }).click();
    await expect(page.getByText('small ✗ out of memory')).toBeVisible();
    await shoot(page, 'j-full-node');
  } finally {
    await request.delete('/api/nodes/small');
    server.kill('SIGKILL');
  }
});
