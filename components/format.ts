// Numbers, sizes, durations and cluster events as the dashboard words them; a fixed locale, so server and browser agree.
import type { StampedEvent } from '@/lib/cluster/events';

const integer = new Intl.NumberFormat('en-US');

export function formatCount(n: number): string {
  return integer.format(n);
}

export function formatPercent(fraction: number, digits = 1): string {
  return `${(fraction * 100).toFixed(digits)}%`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatUptime(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

export function hitRatio(hits: number, misses: number): string {
  return hits + misses === 0 ? '—' : formatPercent(hits / (hits + misses));
}

/** HH:MM:SS in UTC: the same text on the server and in every browser, so hydration never disagrees. */
export function formatClock(at: number): string {
  return new Date(at).toISOString().slice(11, 19);
}

export type EventTone = 'good' | 'bad' | 'move' | 'plain';

export function toneOf(event: StampedEvent): EventTone {
  switch (event.type) {
    case 'node-down':
    case 'node-killed':
    case 'error':
      return 'bad';
    case 'node-added':
    case 'node-up':
    case 'node-revived':
      return 'good';
    case 'move-planned':
    case 'move-progress':
    case 'move-done':
      return 'move';
    default:
      return 'plain';
  }
}

export function describeEvent(event: StampedEvent): string {
  switch (event.type) {
    case 'node-added':
      return `${event.node} joined at ${event.address}${event.local ? ' (local memcached)' : ''}`;
    case 'node-removed':
      return `${event.node} left the ring`;
    case 'node-vnodes':
      return `${event.node} now has ${formatCount(event.vnodes)} vnodes`;
    case 'node-down':
      return `${event.node} is down (${event.reason})`;
    case 'node-up':
      return `${event.node} is up again${event.restarted ? ', restarted empty' : ''}`;
    case 'node-killed':
      return `${event.node} killed (pid ${event.pid})`;
    case 'node-revived':
      return `${event.node} revived at ${event.address} (pid ${event.pid})`;
    case 'node-flushed':
      return `${event.node} flushed ${formatCount(event.items)} old items as it joined`;
    case 'move-planned':
      return `${event.reason}: planned ${formatCount(event.copies)} copies and ${formatCount(event.deletes)} deletes; ${formatCount(event.primariesMoved)} of ${formatCount(event.keys)} keys change primary${event.deferred ? `, ${formatCount(event.deferred)} deferred` : ''}`;
    case 'move-progress':
      return `${event.reason}: ${formatCount(event.done)} of ${formatCount(event.total)} copies`;
    case 'move-done':
      return `${event.reason}: copied ${formatCount(event.copied)}, deleted ${formatCount(event.deleted)}${event.settled ? `, settled ${formatCount(event.settled)}` : ''}${event.failed ? `, ${formatCount(event.failed)} failed` : ''} in ${formatCount(event.ms)} ms`;
    case 'ring-changed':
      return `ring is now version ${event.version} (${event.checksum})`;
    case 'error':
      return event.message;
  }
}

/**
 * A replica's write version (`wall.counter.writer`, the wall in hex milliseconds) as a UTC time to the
 * millisecond, with the counter when it is not 0: enough to tell two copies' writes apart at a glance.
 */
export function formatVersion(version: string): string {
  const [wall, counter] = version.split('.');
  const ms = parseInt(wall, 16);
  if (!Number.isFinite(ms)) return version;
  const time = new Date(ms).toISOString().slice(11, 23);
  const n = parseInt(counter ?? '0', 16);
  return n > 0 ? `${time} #${n}` : time;
}
