// The failure of a call to one memcached server, by kind, as the node client and its quiet batches report it.

/**
 * `out_of_memory`: a store refused because the server is full and may not evict (memcached -M).
 * `contended`: a conditional write kept losing its compare-and-swap to other writes of the key.
 * `draining`: a write not sent, because writes sent earlier on a thrown-away connection may still be applied (see WriteFence).
 */
export type NodeErrorCode = 'timeout' | 'unreachable' | 'closed' | 'too_large' | 'out_of_memory' | 'server_error' | 'protocol' | 'contended' | 'draining';

export class NodeError extends Error {
  constructor(
    readonly code: NodeErrorCode,
    readonly address: string,
    message: string,
    /** True when the call failed only because another call's failure closed the shared connection. */
    readonly collateral = false,
  ) {
    super(`${address}: ${message}`);
    this.name = 'NodeError';
  }
}
