// One local memcached process and a node client on it for a test file: started before its tests, stopped after them.
import { afterAll, beforeAll } from 'vitest';
import { NodeClient } from '@/lib/memcached/node-client';
import { startLocalNode, stopLocalNode, type LocalProcess } from '@/lib/memcached/local-nodes';

export interface OneNode {
  readonly node: LocalProcess;
  readonly client: NodeClient;
}

export function oneNode(deadlineMs: number): OneNode {
  let started: { node: LocalProcess; client: NodeClient } | null = null;
  beforeAll(async () => {
    const node = await startLocalNode({ memoryMb: 16 });
    started = { node, client: new NodeClient(node, { deadlineMs }) };
  });
  afterAll(async () => {
    if (!started) return;
    started.client.close();
    await stopLocalNode(started.node.pid, 'SIGKILL');
  });
  const get = () => {
    if (!started) throw new Error('the node is started before the tests');
    return started;
  };
  return {
    get node() {
      return get().node;
    },
    get client() {
      return get().client;
    },
  };
}
