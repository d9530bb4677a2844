'use client';
// The picked ring-like algorithm's change as an animation: its points before and after, its keys, the moving ones travelling from old node to new.
import { easeCubicInOut } from 'd3-ease';
import { useEffect, useLayoutEffect, useRef } from 'react';
import type { LabMotion } from '@/lib/lab-view/motion';
import { formatCount } from '../format';
import { paintKeys, paintMovers, paintStatic, VIEW } from './ring-paint';

const HOLD_MS = 300;
export const TRAVEL_MS = 1600;

export function LabRing({ motion, name, color, run }: { motion: LabMotion; name: string; color: (id: string) => string; run: number }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const travelRef = useRef<HTMLDivElement>(null);
  const figureRef = useRef<HTMLElement>(null);

  // The bitmap once, at the screen's density: sizing a canvas allocates it.
  useLayoutEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const scale = Math.max(1, window.devicePixelRatio || 1);
    canvas.width = canvas.height = Math.round(2 * VIEW * scale);
  }, []);

  useEffect(() => {
    const canvas = canvasRef.current;
    const context = canvas?.getContext('2d');
    if (!canvas || !context || !motion.before || !motion.after) return;
    const scale = canvas.width / (2 * VIEW);
    const transform = (c: CanvasRenderingContext2D) => c.setTransform(scale, 0, 0, scale, VIEW * scale, VIEW * scale);
    // What stays put is painted once, off screen; each frame copies it and adds the movers.
    const base = document.createElement('canvas');
    base.width = base.height = canvas.width;
    const baseContext = base.getContext('2d')!;
    transform(baseContext);
    const movers = motion.keys.filter((k) => k.from !== k.to);
    paintStatic(
      baseContext,
      motion.before,
      motion.after,
      motion.nodes,
      motion.keys.filter((k) => k.from === k.to),
      color,
    );
    const dark = window.matchMedia('(prefers-color-scheme: dark)').matches;
    const outline = dark ? '#18181b' : '#ffffff';
    const frame = (draw: () => void) => {
      context.setTransform(1, 0, 0, 1, 0, 0);
      context.clearRect(0, 0, canvas.width, canvas.height);
      context.drawImage(base, 0, 0);
      transform(context);
      draw();
    };
    const settle = () => frame(() => paintKeys(context, movers, motion.nodes, color, 'to'));
    if (movers.length === 0 || window.matchMedia('(prefers-reduced-motion: reduce)').matches) {
      settle();
      return;
    }
    travelRef.current?.replaceChildren(
      ...movers.map((k) => {
        const item = document.createElement('span');
        item.setAttribute('data-travel', k.key);
        return item;
      }),
    );
    figureRef.current?.setAttribute('data-animating', 'true');
    let handle = 0;
    const started = performance.now();
    const draw = () => {
      const elapsed = performance.now() - started;
      if (elapsed < HOLD_MS) frame(() => paintKeys(context, movers, motion.nodes, color, 'from'));
      else if (elapsed < HOLD_MS + TRAVEL_MS) frame(() => paintMovers(context, movers, motion.nodes, color, easeCubicInOut((elapsed - HOLD_MS) / TRAVEL_MS), outline));
      else return stop();
      handle = requestAnimationFrame(draw);
    };
    const stop = () => {
      cancelAnimationFrame(handle);
      settle();
      travelRef.current?.replaceChildren();
      figureRef.current?.removeAttribute('data-animating');
    };
    draw();
    return stop;
  }, [motion, color, run]);

  const moving = motion.keys.filter((k) => k.from !== k.to).length;
  return (
    <figure ref={figureRef} className="space-y-1" data-lab-ring={motion.algorithm}>
      <canvas
        ref={canvasRef}
        className="mx-auto block aspect-square w-full max-w-[34rem]"
        role="img"
        aria-label={`${name}: ${formatCount(motion.before?.positions.length ?? 0)} points before (outer band), ${formatCount(motion.after?.positions.length ?? 0)} after (inner band); ${formatCount(moving)} of the ${formatCount(motion.keys.length)} keys drawn change node`}
      />
      <figcaption className="text-center text-sm text-zinc-600 dark:text-zinc-400">
        Outer band: the points before the change; inner band: after. Keys sit{' '}
        {motion.algorithm === 'multi-probe' ? 'at the probe that won them (of their 21 hashes, the nearest before a point)' : 'at their hash'}; {formatCount(moving)} of the{' '}
        {formatCount(motion.keys.length)} drawn travel from the point that held them to the one that takes them.
      </figcaption>
      <div ref={travelRef} hidden data-lab-travellers />
    </figure>
  );
}
