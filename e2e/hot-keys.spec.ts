// A journey through the hot keys: a burst of gets glows on the ring, is named in the legend, and shows as load on the node cards.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import type { HotView } from '@/lib/hot-view';
import { clusterSnapshot, nodeCard, openDashboard, pageErrors, ring, shoot } from './support';

test.afterEach(({ page }) => {
  expect(pageErrors(page), 'errors logged by the page').toEqual([]);
});

/** `ringside hot --json` in its own process, attached to the dashboard with --url, as a user would type it beside the browser. */
function ringsideHot(baseURL: string): Promise<{ code: number; stdout: string }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ringside-e2e-hot-'));
  return new Promise((resolve) => {
    execFile(
      path.resolve('node_modules/.bin/tsx'),
      ['--conditions=react-server', path.resolve('scripts/ringside.ts'), 'hot', '--top', '3', '--json', '--url', baseURL],
      { env: { ...process.env, RINGSIDE_DATA_DIR: dataDir, RINGSIDE_BOOTSTRAP_NODES: '0' }, timeout: 60_000 },
      (error, stdout) => {
        rmSync(dataDir, { recursive: true, force: true });
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout });
      },
    ).stdin?.end();
  });
}

test('a burst of gets shows its hottest keys on the ring and the legend, and each node card its requests', async ({ page, request, baseURL }) => {
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

  // What the server counted. After the other journeys' thousands of keys the sketch is full: each count is
  // within its error of the truth.
  const hot = async () => (await (await request.get('/api/hot')).json()) as HotView;
  const view = await hot();
  expect(view.keys.slice(0, 3).map((k) => k.key)).toEqual(burst.map(({ key }) => key));
  burst.forEach(({ gets }, i) => {
    const { count, error } = view.keys[i];
    expect(count - error).toBeLessThanOrEqual(gets + 1);
    expect(count).toBeGreaterThanOrEqual(gets + 1);
  });

  // The page shows it within a poll or two (it asks every 2 s). The window may slide meanwhile, an old slot's
  // requests leaving it: the legend and every card are compared with the API's answer until they agree.
  // A node removed by an earlier journey may still have served requests in the window: it has no card.
  const cards = new Set((await clusterSnapshot(request)).nodes.map((n) => n.id));
  await expect
    .poll(
      async () => {
        const fresh = await hot();
        const legend = await page.locator('[data-hot-legend]').innerText();
        const shown = await page.locator('[data-load]').evaluateAll((loads) => loads.map((l) => `${l.getAttribute('data-load')} ${l.getAttribute('data-served')} ${l.getAttribute('data-primary')}`));
        const expected = fresh.nodes.filter((n) => cards.has(n.id)).map((n) => `${n.id} ${n.served} ${n.primary}`);
        return legend.includes(`${fresh.total.toLocaleString('en-US')} requests`) && shown.sort().join() === expected.sort().join();
      },
      { timeout: 15_000 },
    )
    .toBe(true);
  await expect(page.locator('[data-hot-legend]')).toContainText(burst[0].key);

  const halos = ring(page).locator('[data-hot-key]');
  expect(await halos.count()).toBe(Math.min(20, view.keys.length));
  await expect(ring(page).locator(`[data-hot-key="${burst[0].key}"]`)).toHaveAttribute('data-heat', '1.000');
  // A halo's area follows the key's share: about 151 requests against 61 against 21.
  const radius = async (key: string) => Number(await ring(page).locator(`[data-hot-key="${key}"]`).getAttribute('r'));
  expect(await radius(burst[0].key)).toBeGreaterThan(await radius(burst[1].key));
  expect(await radius(burst[1].key)).toBeGreaterThan(await radius(burst[2].key));

  const primary = view.keys[0].primary!;
  expect(view.nodes.find((n) => n.id === primary)!.primary).toBeGreaterThanOrEqual(151);
  await expect(nodeCard(page, primary).locator(`[data-load="${primary}"]`)).toContainText('as primary');
  await shoot(page, 'hot-keys-after-a-burst-of-gets');

  // The shell attached to the dashboard says the same.
  const shell = await ringsideHot(baseURL!);
  expect(shell.code).toBe(0);
  const said = JSON.parse(shell.stdout) as HotView;
  expect(said.keys[0].key).toBe(burst[0].key);
  expect(said.keys[0].count - said.keys[0].error).toBeLessThanOrEqual(151);
  expect(said.keys[0].count).toBeGreaterThanOrEqual(151);
  expect(said.nodes.find((n) => n.id === primary)!.primary).toBeGreaterThanOrEqual(151);
});
