// A journey through the hot keys: a burst of gets glows on the ring, is named in the legend, and shows as load on the node cards.
import { expect, test } from '@playwright/test';
import type { HotView } from '@/lib/hot-view';
import { nodeCard, openDashboard, pageErrors, ring, shoot } from './support';

test.afterEach(({ page }) => {
  expect(pageErrors(page), 'errors logged by the page').toEqual([]);
});

test('a burst of gets shows its hottest keys on the ring and the legend, and each node card its requests', async ({ page, request }) => {
  await openDashboard(page);
  const stamp = Date.now();
  // Read 150, 60 and 20 times: far above anything else the other journeys ask for.
  const burst = [
    { key: `hot:{${stamp}}:cart`, gets: 150 },
    { key: `warm:${stamp}`, gets: 60 },
    { key: `cool:${stamp}`, gets: 20 },
  ];
  for (const { key } of burst) expect((await request.put(`/api/keys/${encodeURIComponent(key)}`, { data: { value: 'v' } })).ok()).toBe(true);
  const gets = burst.flatMap(({ key, gets }) => Array.from({ length: gets }, () => key));
  for (let i = 0; i < gets.length; i += 10) {
    const answers = await Promise.all(gets.slice(i, i + 10).map((key) => request.get(`/api/keys/${encodeURIComponent(key)}`)));
    expect(answers.every((a) => a.ok())).toBe(true);
  }

  const hot = ring(page).locator('[data-hot-key]');
  await expect(ring(page).locator(`[data-hot-key="${burst[0].key}"]`)).toHaveAttribute('data-heat', '1.000', { timeout: 10_000 });
  await expect(ring(page).locator(`[data-hot-key="${burst[1].key}"]`)).toHaveCount(1);
  // A halo's area follows the key's share: 151 requests against 61 is about 1.6 times the radius.
  const radius = async (key: string) => Number(await ring(page).locator(`[data-hot-key="${key}"]`).getAttribute('r'));
  expect(await radius(burst[0].key)).toBeGreaterThan(await radius(burst[1].key));
  expect(await radius(burst[1].key)).toBeGreaterThan(await radius(burst[2].key));
  expect(await hot.count()).toBeLessThanOrEqual(20);
  await expect(page.locator('[data-hot-legend]')).toContainText(burst[0].key);

  // Every card shows what the API says of its node, once no more requests arrive.
  const view = (await (await request.get('/api/hot')).json()) as HotView;
  expect(view.keys[0]).toMatchObject({ key: burst[0].key, count: 151, gets: 150, sets: 1 });
  for (const node of view.nodes) {
    const load = nodeCard(page, node.id).locator(`[data-load="${node.id}"]`);
    await expect(load).toHaveAttribute('data-served', String(node.served));
    await expect(load).toHaveAttribute('data-primary', String(node.primary));
  }
  const primary = view.keys[0].primary!;
  expect(view.nodes.find((n) => n.id === primary)!.primary).toBeGreaterThanOrEqual(151);
  await expect(nodeCard(page, primary).locator(`[data-load="${primary}"]`)).toContainText('as primary');
  await shoot(page, 'hot-keys-after-a-burst-of-gets');
});
