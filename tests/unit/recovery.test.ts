// What recovery decides from a journal left by a dead process and the ring as stored: finish or roll back, and who is outside.
import { describe, expect, it } from 'vitest';
import { decideRecovery } from '@/lib/cluster/recovery';
import type { ChangeJournal, Membership } from '@/lib/store/types';

const node = (id: string, vnodes = 160, port = 11211) => ({ id, host: '127.0.0.1', port, vnodes });
const three: Membership = { version: 4, replicas: 3, nodes: [node('node-1'), node('node-2'), node('node-3')] };
const four: Membership = { version: 5, replicas: 3, nodes: [...three.nodes, node('node-4')] };

function journal(from: Membership, to: Membership, reason: string): ChangeJournal {
  return { from, to, reason, phase: 'copying', progress: { done: 0, total: 10 }, owner: 'host:1', started: 0 };
}

describe('recovery from a journal', () => {
  it('rolls back an add the ring never switched to: the joining node is outside', () => {
    expect(decideRecovery(journal(three, four, 'add node-4'), three, ['node-1', 'node-2', 'node-3', 'node-4'])).toEqual({
      outcome: 'rolled-back',
      outsiders: ['node-4'],
      reason: 'roll back add node-4',
    });
  });

  it('finishes an add the ring switched to, whatever phase the journal names', () => {
    const switched = { ...journal(three, four, 'add node-4'), phase: 'copying' as const };
    expect(decideRecovery(switched, four, ['node-4'])).toEqual({ outcome: 'finished', outsiders: [], reason: 'finish add node-4' });
  });

  it('finishes a remove after the switch (the removed node is outside) and rolls it back before (nobody is)', () => {
    const removal = journal(four, { ...three, version: 5 }, 'remove node-4');
    expect(decideRecovery(removal, { ...three, version: 5 }, [])).toMatchObject({ outcome: 'finished', outsiders: ['node-4'] });
    expect(decideRecovery(removal, four, [])).toMatchObject({ outcome: 'rolled-back', outsiders: [] });
  });

  it('judges a weight change by ids and vnodes, not addresses: a node relaunched on a new port changes nothing', () => {
    const heavier: Membership = { ...three, version: 5, nodes: three.nodes.map((n) => (n.id === 'node-1' ? { ...n, vnodes: 320 } : n)) };
    const moved: Membership = { ...three, version: 5, nodes: three.nodes.map((n) => (n.id === 'node-2' ? { ...n, port: 40000 } : n)) };
    expect(decideRecovery(journal(three, heavier, 'vnodes node-1 320'), moved, []).outcome).toBe('rolled-back');
    expect(decideRecovery(journal(three, heavier, 'vnodes node-1 320'), heavier, []).outcome).toBe('finished');
  });

  it('without a journal, only nodes with health and no place on the ring are cleaned up', () => {
    expect(decideRecovery(null, three, ['node-2', 'node-9'])).toEqual({ outcome: 'cleaned', outsiders: ['node-9'], reason: 'clean up' });
    expect(decideRecovery(null, three, []).outsiders).toEqual([]);
  });
});
