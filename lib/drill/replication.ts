import 'server-only';
// What the nodes really hold, read with clients of our own: is every key on exactly its preference list, with one value?
import { mapLimit } from '../concurrency';
import { NodeClient } from '../memcached/node-client';
import { preferenceList, type Ring } from '../ring';
import { parseAddress } from '../validate';

export interface ReplicationCheck {
  complete: boolean;
  /** Distinct keys found on any node. */
  keys: number;
  /** Copies a preference list names that its node does not hold. */
  missing: number;
  /** Copies on nodes outside the key's preference list. */
  strays: number;
  /** Keys whose replicas hold different values. */
  divergent: number;
  /** Nodes that could not be read. */
  unreachable: string[];
}

const READS_IN_FLIGHT = 64;

export async function checkReplication(ring: Ring, nodes: readonly { id: string; address: string }[], deadlineMs = 2000): Promise<ReplicationCheck> {
  const clients = new Map<string, NodeClient>();
  for (const node of nodes) {
    const parsed = parseAddress(node.address);
    if (parsed.ok) clients.set(node.id, new NodeClient(parsed.address, { deadlineMs, inventoryDeadlineMs: deadlineMs * 5 }));
  }
  const check: ReplicationCheck = { complete: false, keys: 0, missing: 0, strays: 0, divergent: 0, unreachable: [] };
  try {
    const held = new Map<string, Set<string>>();
    await Promise.all(
      [...clients].map(async ([id, client]) => {
        try {
          held.set(id, new Set((await client.inventory()).map((item) => item.key)));
        } catch {
          check.unreachable.push(id);
        }
      }),
    );
    const keys = new Set([...held.values()].flatMap((set) => [...set]));
    check.keys = keys.size;
    for (const [id, set] of held) for (const key of set) if (!preferenceList(ring, key).includes(id)) check.strays++;
    await mapLimit([...keys], READS_IN_FLIGHT, async (key) => {
      const list = preferenceList(ring, key);
      const values = new Set<string>();
      for (const node of list) {
        if (!held.get(node)?.has(key)) {
          check.missing++;
          continue;
        }
        const stored = await clients
          .get(node)!
          .get(key)
          .catch(() => null);
        if (stored) values.add(stored.value.toString('base64'));
        else check.missing++;
      }
      if (values.size > 1) check.divergent++;
    });
    check.complete = check.unreachable.length === 0 && check.missing === 0 && check.strays === 0 && check.divergent === 0;
    return check;
  } finally {
    for (const client of clients.values()) client.close();
  }
}
