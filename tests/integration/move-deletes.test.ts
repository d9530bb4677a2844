// A change's deletes of copies on their keys' new lists, on real memcached: a copy written after the listing, by any writer, stays; a stale one goes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeyInventory } from '@/lib/cluster/key-inventory';
import { NodePool } from '@/lib/cluster/node-pool';
import { deleteAll } from '@/lib/cluster/transfer';
import { KeyLocks } from '@/lib/concurrency';
import { freeze, thaw } from '@/lib/drill/faults';
import { encodeValue, type Envelope } from '@/lib/envelope';
import { planMoves } from '@/lib/plan';
import { buildRing, preferenceList } from '@/lib/ring';
import { parseAddress } from '@/lib/validate';
import { openFixture, type Fixture } from '../support/cluster-fixture';

let fixture: Fixture;
let pool: NodePool;
let ids: string[];
const frozen: number[] = [];

beforeEach(async () => {
  fixture = await openFixture(4);
  pool = new NodePool(500, { down: () => undefined, suspectsChanged: () => undefined });
  ids = fixture.cluster.nodes().map((n) => n.id);
  for (const node of fixture.cluster.nodes()) {
    const parsed = parseAddress(node.address);
    if (!parsed.ok) throw new Error(parsed.message);
    pool.track(node.id, parsed.address, 'up');
  }
  for (let i = 0; i < 30; i++) expect((await fixture.cluster.put(`seed:${i}`, 'v')).ok).toBe(true);
});
afterEach(async () => {
  for (const pid of frozen.splice(0)) thaw(pid);
  pool.closeAll();
  await fixture.teardown();
});

const itemOf = (wall: number, text: string): Envelope => encodeValue({ wall, counter: 0, writerHash: 7 }, Buffer.from(text));

/**
 * Removing node-2: keys whose new list gains a node (the newcomer) beside the nodes of their old list that stay (its
 * peers). A copy on the newcomer that no node of the old list holds is planned for a delete.
 */
function removal() {
  const before = fixture.cluster.currentRing;
  const after = buildRing(
    before.nodes.filter((n) => n.id !== 'node-2').map(({ id, vnodes }) => ({ id, vnodes })),
    3,
  );
  const lone = Array.from({ length: 400 }, (_, i) => `lone:${i}`)
    .map((key) => {
      const old = preferenceList(before, key);
      const newcomer = preferenceList(after, key).find((node) => !old.includes(node));
      return { key, newcomer: newcomer!, peers: preferenceList(after, key).filter((node) => old.includes(node)) };
    })
    .filter((entry) => entry.newcomer !== undefined)
    .slice(0, 12);
  return { before, after, lone };
}

/** Lists every node and plans the removal: the deletes of the `lone` keys. */
async function plannedDeletes(before: ReturnType<typeof removal>['before'], after: ReturnType<typeof removal>['after'], inventory = new KeyInventory(pool)) {
  const view = await inventory.current(ids, { withCas: true });
  return planMoves(before, after, view.inventory).deletes.filter((d) => d.key.startsWith('lone:'));
}

const transfer = () => ({ pool, keyLocks: new KeyLocks(), events: { emit: () => undefined }, concurrency: 4 });
const text = async (node: string, key: string) => (await fixture.rawGet(node, key))?.toString() ?? null;

describe('deletes of copies on their new lists', () => {
  it('keeps a copy another client wrote after its node was listed: the delete carries the listed CAS, and memcached refuses it', async () => {
    const { before, after, lone } = removal();
    for (const { key, newcomer } of lone) await fixture.rawSet(newcomer, key, itemOf(1, 'stale'));
    const inventory = new KeyInventory(pool);
    const steps = await plannedDeletes(before, after, inventory);
    expect(steps.map((s) => `${s.key}@${s.from}`).sort()).toEqual(lone.map((l) => `${l.key}@${l.newcomer}`).sort());
    for (const step of steps) expect(step.cas).toBeGreaterThan(0);
    // Only the move's view carries the CAS: the inventory kept after it, and a plain listing, carry none.
    for (const fresh of [false, true]) {
      const plain = await inventory.current(ids, { fresh });
      expect(planMoves(before, after, plain.inventory).deletes.filter((d) => d.key.startsWith('lone:') && d.cas !== undefined)).toEqual([]);
    }

    // Half the keys are written again on the newcomer alone (its peers never see this write), after the listing.
    const rewritten = new Set(lone.slice(0, 6).map((l) => l.key));
    for (const { key, newcomer } of lone) if (rewritten.has(key)) await fixture.rawSet(newcomer, key, itemOf(Date.now(), 'newer'));
    expect(await deleteAll(transfer(), steps)).toBe(lone.length - rewritten.size);
    for (const { key, newcomer } of lone) expect(await text(newcomer, key), key).toBe(rewritten.has(key) ? 'newer' : null);
    for (const id of ids) expect(pool.suspectCount(id), id).toBe(0);
  });

  it('keeps a copy written between the listings of its peers and its own: a value found on a peer spares it', async () => {
    const { before, after, lone } = removal();
    // The newcomer was listed after the write reached it, its peers before: the listings show the key on the newcomer alone.
    for (const { key, newcomer } of lone) await fixture.rawSet(newcomer, key, itemOf(Date.now(), 'written'));
    const steps = await plannedDeletes(before, after);
    expect(steps).toHaveLength(lone.length);
    const written = new Set(lone.slice(0, 6).map((l) => l.key));
    for (const { key, peers, newcomer } of lone) {
      if (!written.has(key)) continue;
      const item = await fixture.rawItem(newcomer, key);
      for (const peer of peers) await fixture.rawSet(peer, key, { flags: item!.flags, value: item!.value });
    }
    expect(await deleteAll(transfer(), steps)).toBe(lone.length - written.size);
    const holdings = await fixture.holdings();
    for (const { key } of lone) {
      const holders = ids.filter((id) => holdings[id].includes(key)).sort();
      expect(holders, key).toEqual(written.has(key) ? [...preferenceList(after, key)].sort() : []);
    }
  });

  it('leaves a copy in place, marked suspect, when a peer cannot be read: whether it is current stays open until a repair', async () => {
    const { before, after, lone } = removal();
    for (const { key, newcomer } of lone) await fixture.rawSet(newcomer, key, itemOf(1, 'stale'));
    const steps = await plannedDeletes(before, after);
    const [open, judged] = lone;
    const peer = open.peers[0];
    const pid = fixture.cluster.nodes().find((n) => n.id === peer)!.pid!;
    frozen.push(pid);
    await freeze(pid);
    expect(await deleteAll(transfer(), [steps.find((s) => s.key === open.key)!])).toBe(0);
    thaw(frozen.splice(frozen.indexOf(pid), 1)[0]);
    expect([await text(open.newcomer, open.key), pool.isSuspect(open.newcomer, open.key)]).toEqual(['stale', true]);
    // Thawed, the same plan's delete of another such copy goes ahead.
    expect(await deleteAll(transfer(), [steps.find((s) => s.key === judged.key)!])).toBe(1);
    expect([await text(judged.newcomer, judged.key), pool.isSuspect(judged.newcomer, judged.key)]).toEqual([null, false]);
  });
});
