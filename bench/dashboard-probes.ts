// What the dashboard benchmark runs inside the page: a frame recorder, the travel's start and end, a put timed to its mark.
// Each probe is cheap on purpose (no locator polling over 12,000 elements while frames are counted): it is part of the measure.
import type { Page } from '@playwright/test';

export interface FrameReport {
  /** Frames per second over the first `ms` after recording began. */
  windowFps: number;
  /** Frames per second while keys travelled (null when they never did), and the travel's length. */
  travelFps: number | null;
  travelMs: number | null;
  /** The longest frame while keys travelled, the frame the travel began in included, and over the whole recording. */
  travelLongestFrameMs: number | null;
  longestFrameMs: number;
}

export interface PutTiming {
  /** From the click on "Put" to the key's mark in the ring's DOM, and to the end of the frame that painted it. */
  insertedMs: number;
  visibleMs: number;
  /** The server action's own round trip (resource timing), null when it did not finish before the mark showed. */
  actionMs: number | null;
}

const RING = 'svg[aria-label="Hash ring"]';

/** Starts recording, inside the page, every frame's time and when the ring is marked `data-animating` (keys travelling). */
export async function recordFrames(page: Page): Promise<void> {
  // Scripts go to the page as text: tsx's helpers (e.g. __name) do not exist there.
  await page.evaluate(`(() => {
    const record = { frames: [], travel: [] };
    window.__record = record;
    const tick = () => { record.frames.push(performance.now()); if (!record.stopped) requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
    const svg = document.querySelector(${JSON.stringify(RING)});
    new MutationObserver(() => {
      const on = svg.getAttribute('data-animating') === 'true';
      const last = record.travel[record.travel.length - 1];
      if (on && (!last || last.end !== undefined)) record.travel.push({ start: performance.now() });
      if (!on && last && last.end === undefined) last.end = performance.now();
    }).observe(svg, { attributes: true, attributeFilter: ['data-animating'] });
    record.started = performance.now();
  })()`);
}

export async function stopFrames(page: Page, ms: number): Promise<FrameReport> {
  const record = (await page.evaluate('(() => { window.__record.stopped = true; return window.__record; })()')) as {
    frames: number[];
    travel: { start: number; end?: number }[];
    started: number;
  };
  const { frames, started } = record;
  const windowFps = frames.filter((t) => t >= started && t < started + ms).length / (ms / 1000);
  const gaps = (list: number[]) => list.slice(1).map((t, i) => t - list[i]);
  const longestFrameMs = Math.max(0, ...gaps(frames));
  const travel = record.travel.find((t) => t.end !== undefined);
  if (!travel) return { windowFps, travelFps: null, travelMs: null, travelLongestFrameMs: null, longestFrameMs };
  const first = frames.findIndex((t) => t >= travel.start);
  const during = frames.filter((t) => t >= travel.start && t <= travel.end!);
  // The frame that was being drawn when the travel began counts too: that is where a new ring's first paint lands.
  const spanned = first > 0 ? [frames[first - 1], ...during] : during;
  const travelMs = travel.end! - travel.start;
  return { windowFps, travelFps: during.length / (travelMs / 1000), travelMs, travelLongestFrameMs: Math.max(0, ...gaps(spanned)), longestFrameMs };
}

/** Frames the page paints in `ms`, counted with requestAnimationFrame. */
export async function framesPerSecond(page: Page, ms: number): Promise<number> {
  await recordFrames(page);
  await page.waitForTimeout(ms + 50);
  return (await stopFrames(page, ms)).windowFps;
}

const button = (label: string) => `[...document.querySelectorAll('button')].find((b) => b.textContent.trim() === ${JSON.stringify(label)} && !b.disabled)`;

/** Waits until the button labelled `label` is there and enabled (Apply, say, waits for its preview). */
export async function buttonEnabled(page: Page, label: string): Promise<void> {
  await page.waitForFunction(`${button(label)} !== undefined`, undefined, { timeout: 60_000, polling: 100 });
}

/** Clicks the enabled button labelled `label` from inside the page: no actionability checks walking the DOM while frames are counted. */
export async function clickButton(page: Page, label: string): Promise<void> {
  const clicked = await page.evaluate(`(() => { const b = ${button(label)}; b?.click(); return b !== undefined; })()`);
  if (!clicked) throw new Error(`no enabled button "${label}" to click`);
}

/** Waits, polling four times a second with one cheap expression, until `expression` is true in the page. */
export async function until(page: Page, expression: string, timeout: number): Promise<void> {
  await page.waitForFunction(expression, undefined, { timeout, polling: 250 });
}

export const markSelector = (key: string) => `${RING} [data-key="${key.replace(/["\\]/g, '\\$&')}"]`;

/** Clicks "Put" (the form already filled with `key`) and times the key's mark on the ring, inside the page. */
export async function timePut(page: Page, key: string): Promise<PutTiming> {
  const timing = (await page.evaluate(`new Promise((resolve) => {
    const selector = ${JSON.stringify(markSelector(key))};
    const ring = document.querySelector(${JSON.stringify(RING)});
    // The buffer holds 250 entries by default, and snapshots fill it: start each put with it empty.
    performance.clearResourceTimings();
    const started = performance.now();
    let inserted = -1;
    const done = () => {
      const visible = performance.now() - started;
      const action = performance.getEntriesByType('resource').find((e) => e.startTime >= started && !e.name.includes('/api/') && e.responseEnd <= started + visible);
      resolve({ insertedMs: inserted, visibleMs: visible, actionMs: action ? action.responseEnd - action.startTime : null });
    };
    const observer = new MutationObserver(() => {
      if (inserted >= 0 || !ring.querySelector(selector)) return;
      inserted = performance.now() - started;
      observer.disconnect();
      // Painted: the rendering update after the next animation frame's callbacks has run by the task after it.
      requestAnimationFrame(() => setTimeout(done, 0));
    });
    observer.observe(ring, { subtree: true, childList: true });
    setTimeout(() => { if (inserted < 0) { observer.disconnect(); resolve({ insertedMs: -1, visibleMs: -1, actionMs: null }); } }, 20000);
    ${button('Put')}.click();
  })`)) as PutTiming;
  return timing;
}
