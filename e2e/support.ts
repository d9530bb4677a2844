// What the dashboard journeys share: opening the page live, reading the ring's marks, the cluster's own snapshot, screenshots.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, type APIRequestContext, type Page } from '@playwright/test';
import type { ClusterSnapshot } from '@/lib/cluster/snapshot';

const logged = new WeakMap<Page, string[]>();

/**
 * What went wrong in a page opened with openDashboard: any console error (a hydration mismatch, a failed
 * render, a missing icon), an uncaught exception, a request that failed or was answered with an error status.
 */
export function pageErrors(page: Page): string[] {
  return logged.get(page) ?? [];
}

/** Opens the dashboard and waits until it is hydrated and subscribed to live updates. */
export async function openDashboard(page: Page): Promise<void> {
  if (!logged.has(page)) {
    const errors: string[] = [];
    logged.set(page, errors);
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console: ${message.text()} (${message.location().url})`);
    });
    page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
    page.on('requestfailed', (request) => {
      const failure = request.failure()?.errorText ?? 'failed';
      // Aborted is the page's own doing: a lookup cancelled once the snapshot answered it, a server action's
      // reply read to its end, the event stream closed with the page. Anything else (refused, reset, empty) fails.
      if (failure !== 'net::ERR_ABORTED') errors.push(`request: ${request.method()} ${request.url()} ${failure}`);
    });
    page.on('response', (response) => {
      if (response.status() >= 400) errors.push(`response: ${response.request().method()} ${response.url()} ${response.status()}`);
    });
  }
  const response = await page.goto('/');
  expect(response?.status()).toBe(200);
  await expect(page.locator('[data-connection="live"]')).toBeVisible({ timeout: 15_000 });
}

export function ring(page: Page) {
  return page.getByRole('img', { name: 'Hash ring' });
}

export function nodeCard(page: Page, id: string) {
  return page.locator(`[data-node-card="${id}"]`);
}

/** Vnode marks on the ring, counted per node. */
export function vnodeCounts(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => {
    const counts: Record<string, number> = {};
    for (const mark of document.querySelectorAll('svg[aria-label="Hash ring"] [data-vnode]')) {
      const node = mark.getAttribute('data-node')!;
      counts[node] = (counts[node] ?? 0) + 1;
    }
    return counts;
  });
}

/** The cluster as the server reports it, independent of what the page shows. */
export async function clusterSnapshot(request: APIRequestContext): Promise<ClusterSnapshot> {
  const response = await request.get('/api/snapshot');
  expect(response.ok()).toBe(true);
  return (await response.json()) as ClusterSnapshot;
}

/** A screenshot kept with the test results, and optionally as one of the docs' screenshots too. */
export async function shoot(page: Page, name: string, docs = false): Promise<void> {
  // The pointer rests where the last click was, and hovering a node highlights it: move it off the panels.
  await page.mouse.move(1, 1);
  const dir = path.join('test-results', 'journeys');
  mkdirSync(dir, { recursive: true });
  // The docs' screenshots are rewritten only on request (UPDATE_SCREENSHOTS=1), so a test run leaves the tree clean.
  if (docs && process.env.UPDATE_SCREENSHOTS === '1') {
    // The docs show the dashboard as it opens at 1280x800: the ring, the nodes and the rebalance card.
    mkdirSync(path.join('docs', 'screenshots'), { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join('docs', 'screenshots', `${name}.png`) });
  }
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: !docs });
}

export const count = (n: number) => n.toLocaleString('en-US');

/** Records every key that travels on the ring from now on (travellers live for about a second). */
export async function watchTravellers(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen = new Set<string>();
    (window as unknown as { travellers: Set<string> }).travellers = seen;
    new MutationObserver((records) => {
      for (const record of records) for (const node of record.addedNodes) if (node instanceof Element && node.hasAttribute('data-travel')) seen.add(node.getAttribute('data-travel')!);
    }).observe(document.body, { subtree: true, childList: true });
  });
}

/** Records the highest count of copies done that the progress bar showed, and its total. */
export async function watchProgress(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen = { done: 0, total: 0 };
    (window as unknown as { progress: typeof seen }).progress = seen;
    const look = () => {
      const bar = document.querySelector('[role="progressbar"][aria-label="Copies done"]');
      if (!bar) return;
      seen.done = Math.max(seen.done, Number(bar.getAttribute('aria-valuenow')));
      seen.total = Math.max(seen.total, Number(bar.getAttribute('aria-valuemax')));
    };
    new MutationObserver(look).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-valuenow'] });
  });
}

export function progressSeen(page: Page): Promise<{ done: number; total: number }> {
  return page.evaluate(() => (window as unknown as { progress: { done: number; total: number } }).progress);
}

export function travellers(page: Page): Promise<string[]> {
  return page.evaluate(() => [...(window as unknown as { travellers: Set<string> }).travellers].sort());
}
