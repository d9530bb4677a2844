// Fault drills on real memcached under load: a checked history shows nothing acknowledged lost, nothing stale, every call settled.
import { describe, expect, it } from 'vitest';
import { runDrill } from '@/lib/drill/drills';
import { DEADLINE, drill, expectNoAnomaly } from '../support/drill-expect';

describe('fault drills', () => {
  it('a node SIGKILLed during a burst of writes, then restarted empty: nothing lost, refilled', async () => {
    const report = await drill('kill-restart');
    expectNoAnomaly(report);
    expect(report.failedReadsOfLiveKeys).toBe(0);
    expect(report.unknown).toBe(0); // four other nodes acknowledge every write
    expect(report.repairMs).not.toBeNull();
  });

  it('two of three replicas down: writes and reads go on with the third, and both are refilled', async () => {
    const report = await drill('two-down');
    expectNoAnomaly(report);
    expect(report.failedReadsOfLiveKeys).toBe(0);
    expect(report.unknown).toBe(0);
    expect(report.repairMs).not.toBeNull();
  });

  it('every replica of some keys frozen: those keys fail with a clear error, the others are untouched', async () => {
    const report = await drill('all-down');
    expectNoAnomaly(report);
    expect(report.facts.keysWithEveryReplicaFrozen).toBeGreaterThan(0);
    expect(report.facts.writesToThoseKeysFailed).toBe(report.facts.writesToThoseKeys);
    expect(report.facts.writesToOtherKeys).toBeGreaterThan(100);
    expect(report.facts.writesToOtherKeysFailed).toBe(0);
    expect(report.errorMessages.unavailable).toMatch(/^no replica (acknowledged the (write|delete)|of drill:\d+ could be read)/);
  });

  it('a node frozen with SIGSTOP: calls settle within their deadlines, its copies are brought up to date after', async () => {
    const report = await drill('freeze');
    expectNoAnomaly(report);
    expect(report.failedReadsOfLiveKeys).toBe(0);
    expect(report.faultMaxMs).toBeGreaterThanOrEqual(DEADLINE); // the freeze was felt, and bounded
    expect(report.repairMs).not.toBeNull();
  });

  it('a node added and another removed under concurrent writes and deletes: reads see every key throughout', async () => {
    const report = await drill('add-remove');
    expectNoAnomaly(report);
    expect(report.failedReads).toBe(0);
    expect(report.errors).toEqual({});
    expect(report.facts.addCopied).toBeGreaterThan(0);
    expect(report.facts.removeCopied).toBeGreaterThan(0);
  });

  it('a node removed while unreachable: its keys are rebuilt from the surviving copies', async () => {
    const report = await drill('remove-unreachable');
    expectNoAnomaly(report);
    expect(report.failedReadsOfLiveKeys).toBe(0);
    expect(report.facts.rebuiltCopies).toBeGreaterThan(0);
  });

  it.each(['crash-copying', 'crash-switched', 'crash-deleting'])(
    '%s: the process serving the load and running an add SIGKILLed, the cluster reopened: nothing lost or stale, no orphan',
    async (name) => {
      const report = await drill(name);
      expectNoAnomaly(report);
      expect(report.facts.callsBeforeCrash).toBeGreaterThan(100);
      expect(report.facts.orphans).toBe(0);
      // Rolled back before the ring switch, finished after it.
      expect(report.facts.joined).toBe(name === 'crash-copying' ? 0 : 1);
      expect(report.errors).toEqual({});
    },
  );

  it('etcd stopped under load: reads and writes go on, a change is refused with a clear error, and goes through once etcd is back', async () => {
    const report = await drill('etcd-outage');
    expectNoAnomaly(report);
    expect(report.errors).toEqual({});
    expect(report.failedReads).toBe(0);
    expect(report.facts).toMatchObject({ changesRefusedWhileAway: 1, changeAfterReturn: 1 });
  });

  it('refuses an unknown scenario by name', async () => {
    await expect(runDrill('meteor')).rejects.toThrow(/no drill named meteor: try kill-restart/);
  });
});
