// What the dashboard journeys share: opening the page live, reading the ring's marks, the cluster's own snapshot, screenshots.
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
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

/**
 * Keys whose mark no other mark comes near (the marks are dots on a canvas, listed by hidden `[data-key]` elements
 * that say where each is drawn): what the canvas shows at their centre is theirs alone.
 */
export function isolatedKeys(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const marks = [...document.querySelectorAll('svg[aria-label="Hash ring"] [data-key]')].map((m) => ({
      key: m.getAttribute('data-key')!,
      x: Number(m.getAttribute('cx')),
      y: Number(m.getAttribute('cy')),
    }));
    return marks.filter((m) => marks.every((o) => o === m || Math.hypot(o.x - m.x, o.y - m.y) > 8)).map((m) => m.key);
  });
}

/** What the ring's canvases show for each of `keys`, read back from their pixels: the dot's opacity at its centre (0 to 255), and whether a red ring is drawn round it. */
export function paintedMarks(page: Page, keys: string[]): Promise<Record<string, { opacity: number; ringed: boolean }>> {
  return page.evaluate((wanted) => {
    const ring = document.querySelector('svg[aria-label="Hash ring"]')!;
    const [dots, rings] = ['[data-key-dots]', '[data-key-rings]'].map((selector) => {
      const canvas = ring.parentElement!.querySelector<HTMLCanvasElement>(`canvas${selector}`)!;
      return { canvas, pixels: canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data };
    });
    // The canvases span the view box (-310..310) at their own density.
    const scale = dots.canvas.width / 620;
    const alpha = (from: typeof dots, x: number, y: number) => from.pixels[(Math.floor((y + 310) * scale) * from.canvas.width + Math.floor((x + 310) * scale)) * 4 + 3];
    const found: Record<string, { opacity: number; ringed: boolean }> = {};
    for (const key of wanted) {
      const mark = ring.querySelector(`[data-key="${CSS.escape(key)}"]`);
      if (!mark) continue;
      const [x, y] = [Number(mark.getAttribute('cx')), Number(mark.getAttribute('cy'))];
      // The ring of an under-replicated key runs 3.4 units from its centre: read to its right and below it, so the
      // edge of a neighbour's ring, which can reach one of those points, is not taken for a ring of its own.
      found[key] = { opacity: alpha(dots, x, y), ringed: alpha(rings, x + 3.4, y) > 0 && alpha(rings, x, y + 3.4) > 0 };
    }
    return found;
  }, keys);
}

/** Where a key's mark is on the page, to point at or click. */
export async function markPoint(page: Page, key: string): Promise<{ x: number; y: number }> {
  const mark = ring(page).locator(`[data-key="${key}"]`);
  const [x, y] = [Number(await mark.getAttribute('cx')), Number(await mark.getAttribute('cy'))];
  // The pointer reaches only what is in the viewport: a form lower down may have scrolled the ring's top out of it.
  await ring(page).scrollIntoViewIfNeeded();
  const box = (await ring(page).boundingBox())!;
  return { x: box.x + ((x + 310) / 620) * box.width, y: box.y + ((y + 310) / 620) * box.height };
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

/** Deletes a key from one memcached node directly, behind Ringside's back, as any other client of that server could; true when it was there. */
export function deleteBehindRingside(address: string, key: string): Promise<boolean> {
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(at + 1));
  return new Promise((resolve, reject) => {
    const socket = connect(port, host, () => socket.write(`delete ${key}\r\n`));
    let reply = '';
    socket.setTimeout(5_000, () => socket.destroy(new Error(`no answer from memcached at ${address}`)));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (!reply.endsWith('\r\n')) return;
      socket.end();
      resolve(reply === 'DELETED\r\n');
    });
    socket.on('error', reject);
  });
}
