// What the lab's algorithms build with, for tests that build one directly: Ringside's defaults, repetitions over these nodes' weights.
import { repetitions, type Settings } from '@/lib/lab/algorithm';
import type { LabNode } from '@/lib/lab/types';

export function labSettings(nodes: readonly LabNode[], extra: Partial<Settings> = {}): Settings {
  return { replicas: 3, vnodes: 160, totalLoad: 0, capacityFactor: 1.25, repeat: repetitions(nodes.map((n) => n.weight)), ...extra };
}
