// What every fault drill in the tests must show: enough traffic, a history with nothing lost, stale or phantom, every key fully replicated, every call settled in time.
import { expect } from 'vitest';
import { runDrill, type DrillReport } from '@/lib/drill/drills';

export const DEADLINE = 300;
/** A get may time out on each replica in turn before the nodes are marked down; a write waits for its slowest replica. */
export const SETTLE_BOUND = 3 * DEADLINE + 400;

export const drill = (name: string) => runDrill(name, { keys: 300, durationMs: 2500, deadlineMs: DEADLINE, concurrency: 24 });

export function expectNoAnomaly(report: DrillReport): void {
  expect(report.operations).toBeGreaterThan(500);
  expect({ lost: report.lost, stale: report.stale, phantom: report.phantom }).toEqual({ lost: [], stale: [], phantom: [] });
  expect({ missedReads: report.missedReads, staleReads: report.staleReads, anomalies: report.anomalies }).toEqual({ missedReads: 0, staleReads: 0, anomalies: [] });
  expect(report.replication).toMatchObject({ complete: true, missing: 0, strays: 0, divergent: 0 });
  expect(report.latency.max).toBeLessThan(SETTLE_BOUND);
}
