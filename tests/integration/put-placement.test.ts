// The placement the dashboard draws from a put's own answer, before any snapshot: the same as the snapshot's, on real memcached.
import { afterEach, describe, expect, it } from 'vitest';
import { placementFromPut } from '@/components/live/placement-from-put';
import { openFixture, type Fixture } from '../support/cluster-fixture';

let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.teardown();
  fixture = undefined;
});

describe('a put answer read as a placement', () => {
  it('matches the next snapshot: position, preference list and holders', async () => {
    fixture = await openFixture(5);
    const { cluster } = fixture;
    const keys = ['user:{42}:cart', 'user:{42}:profile', 'plain', 'ünïcode:{ключ}', `long:${'x'.repeat(240)}`];
    const answers = [];
    for (const key of keys) {
      const put = await cluster.put(key, 'v');
      if (!put.ok) throw new Error(put.message);
      answers.push(put);
    }
    const snapshot = await cluster.snapshot();
    for (const answer of answers) expect(placementFromPut(answer, snapshot.replicas)).toEqual(snapshot.keys.find((k) => k.key === answer.key));
  });

  it('names a replica that is down as missing, as the snapshot does', async () => {
    fixture = await openFixture(4);
    const { cluster } = fixture;
    const victim = (await cluster.snapshot()).nodes[1].id;
    expect((await cluster.killNode(victim)).ok).toBe(true);
    // Keys until one whose preference list includes the node that is down.
    for (let i = 0; i < 50; i++) {
      const put = await cluster.put(`k${i}`, 'v');
      if (!put.ok) throw new Error(put.message);
      const snapshot = await cluster.snapshot();
      const placement = placementFromPut(put, snapshot.replicas);
      expect(placement).toEqual(snapshot.keys.find((k) => k.key === put.key));
      if (placement.preference.includes(victim)) {
        expect(placement.missing).toEqual([victim]);
        return;
      }
    }
    throw new Error(`no key of 50 had ${victim} in its preference list`);
  });
});
