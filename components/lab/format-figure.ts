// The lab's figures as the page words them: counts, balance ratios, nanoseconds and bytes.
import type { Unit } from '@/lib/lab-view/figures';
import { formatBytes, formatCount } from '../format';

export function formatFigure(value: number | null | undefined, unit: Unit): string {
  if (value === null || value === undefined) return '—';
  switch (unit) {
    case 'count':
      return formatCount(value);
    case 'ratio':
      return value.toFixed(2);
    case 'ns':
      return `${value < 10 ? value.toFixed(1) : Math.round(value)} ns`;
    case 'bytes':
      return formatBytes(value);
  }
}
