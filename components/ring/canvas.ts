// The ring's canvases: a bitmap over the view box at the screen's pixel density, resized only when that density changes.
import { useSyncExternalStore } from 'react';
import { VIEW } from './dimensions';

const densityNow = () => Math.max(1, window.devicePixelRatio || 1);

/** Listens for the next change of density (a zoom, a window moved to another screen), then for the one after. */
function subscribe(onChange: () => void): () => void {
  let media: MediaQueryList | null = null;
  const listen = () => {
    media?.removeEventListener('change', changed);
    media = window.matchMedia(`(resolution: ${densityNow()}dppx)`);
    media.addEventListener('change', changed);
  };
  const changed = () => {
    listen();
    onChange();
  };
  listen();
  return () => media?.removeEventListener('change', changed);
}

/** The screen's device pixels per CSS pixel, at least 1; 1 on the server. */
export function usePixelRatio(): number {
  return useSyncExternalStore(subscribe, densityNow, () => 1);
}

/**
 * Sizes `surface` to the view box at `scale` device pixels per unit, its origin the ring's centre. The ring is at most
 * 620 CSS pixels wide for 620 units, so this is at least the screen's own density. Sizing allocates the bitmap, which
 * costs more than a frame's drawing: done when the density changes, never in a frame that animates.
 */
export function fitCanvas(surface: HTMLCanvasElement, scale: number): CanvasRenderingContext2D | null {
  const size = Math.round(2 * VIEW * scale);
  if (surface.width !== size) surface.width = surface.height = size;
  const context = surface.getContext('2d');
  context?.setTransform(scale, 0, 0, scale, VIEW * scale, VIEW * scale);
  return context;
}

/** Clears the whole view box, whatever the transform. */
export function clearCanvas(context: CanvasRenderingContext2D): void {
  context.clearRect(-VIEW, -VIEW, 2 * VIEW, 2 * VIEW);
}
