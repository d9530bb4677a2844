import 'server-only';
// The cluster's connections and health: one client per node, calls under deadlines, down after repeated failures, suspect copies.
import { NodeClient, NodeError } from '../memcached/node-client';
import type { QuietConnection } from '../memcached/quiet';
import { WriteFence } from '../memcached/write-fence';
import { WriteLedger } from '../memcached/write-ledger';

export interface PoolAddress {
  host: string;
  port: number;
}

export type CallOutcome<T> = { ok: true; value: T } | { ok: false; error: string };

interface Member {
  address: PoolAddress;
  status: 'up' | 'down';
  failures: number;
  client: NodeClient | null;
  /** Outlives the clients, each replaced after a failure: their thrown-away connections may still deliver writes. */
  fence: WriteFence;
  /** This process's writes to the node, across its clients (the key inventory reads it). */
  ledger: WriteLedger;
}

export interface PoolListener {
  /** A node went from up to down (`reason`: a node error code, `killed`, `stopped`). */
  down(id: string, reason: string): void;
  /** Suspect marks made or cleared (`all`: every mark of the node), to be saved. */
  suspectsChanged(node: string, added: readonly string[], cleared: readonly string[] | 'all'): void;
}

/** Consecutive transport failures after which a node is marked down. */
const FAILURES_TO_DOWN = 2;
/** `draining`: the server had not finished with an earlier connection for a whole deadline, as unanswering as a timeout. */
const TRANSPORT_ERRORS = new Set(['timeout', 'unreachable', 'closed', 'protocol', 'draining']);

export class NodePool {
  private readonly members = new Map<string, Member>();
  /** Per node, keys whose copy there is suspect: written or deleted while the node could not be reached. */
  private readonly suspects = new Map<string, Set<string>>();

  constructor(
    private readonly deadlineMs: number,
    private readonly listener: PoolListener,
    suspects: Record<string, readonly string[]> = {},
  ) {
    for (const [node, keys] of Object.entries(suspects)) if (keys.length) this.suspects.set(node, new Set(keys));
  }

  /** Adds a node, or points an existing one at a new address (dropping its connection). */
  track(id: string, address: PoolAddress, status: 'up' | 'down'): void {
    this.members.get(id)?.client?.close();
    this.members.set(id, { address: { ...address }, status, failures: 0, client: null, fence: new WriteFence(), ledger: new WriteLedger() });
  }

  /** Whether the node is tracked at this address already: tracking it again would drop its connection and the calls on it. */
  tracks(id: string, address: PoolAddress): boolean {
    const held = this.members.get(id)?.address;
    return held !== undefined && held.host === address.host && held.port === address.port;
  }

  forget(id: string): void {
    this.members.get(id)?.client?.close();
    this.members.delete(id);
    if (this.suspects.delete(id)) this.listener.suspectsChanged(id, [], 'all');
  }

  status(id: string): 'up' | 'down' | undefined {
    return this.members.get(id)?.status;
  }

  isUp(id: string): boolean {
    return this.members.get(id)?.status === 'up';
  }

  /** The ledger of this process's writes to the node; a node tracked again (a new address) gets a new one. */
  ledger(id: string): WriteLedger | undefined {
    return this.members.get(id)?.ledger;
  }

  /** True while writes sent to the node on a thrown-away connection may still be applied (no write is sent to it meanwhile). */
  unsettled(id: string): boolean {
    return this.members.get(id)?.fence.holding ?? false;
  }

  markUp(id: string): void {
    const member = this.members.get(id);
    if (member) Object.assign(member, { status: 'up', failures: 0 });
  }

  markDown(id: string, reason: string): void {
    const member = this.members.get(id);
    if (!member || member.status === 'down') return;
    member.status = 'down';
    member.client?.close();
    member.client = null;
    this.listener.down(id, reason);
  }

  /** Health another process found (the leader's probes): applied quietly, it is already in the store. */
  adoptStatus(id: string, status: 'up' | 'down'): void {
    const member = this.members.get(id);
    if (!member || member.status === status) return;
    if (status === 'down') {
      member.client?.close();
      member.client = null;
    }
    Object.assign(member, { status, failures: 0 });
  }

  /** One call to a node under its deadline. A down node is not tried; a transport failure counts against it. */
  async call<T>(id: string, op: (client: NodeClient) => Promise<T>): Promise<CallOutcome<T>> {
    const member = this.members.get(id);
    if (!member || member.status === 'down') return { ok: false, error: 'down' };
    try {
      const value = await op(this.clientOf(member));
      member.failures = 0;
      return { ok: true, value };
    } catch (error) {
      if (!(error instanceof NodeError)) throw error;
      // A call failed only because a sibling's timeout closed the shared connection is not a second failure.
      if (TRANSPORT_ERRORS.has(error.code) && !error.collateral && ++member.failures >= FAILURES_TO_DOWN) this.markDown(id, error.code);
      return { ok: false, error: error.code };
    }
  }

  /**
   * The quiet connection of an up node for a plain set or get answered by callback (see ../memcached/quiet):
   * `down` when the node is not tried, null when the call must go through `call` instead. Its answer goes to
   * `answered`, which counts it as `call` counts one.
   */
  quiet(id: string, write: boolean): QuietConnection | 'down' | null {
    const member = this.members.get(id);
    if (!member || member.status === 'down') return 'down';
    return this.clientOf(member).quietFor(write);
  }

  /** A quiet call's answer counted against its node: the outcome's error code, null when it succeeded. */
  answered(id: string, error: NodeError | null): string | null {
    const member = this.members.get(id);
    if (!error) {
      if (member) member.failures = 0;
      return null;
    }
    if (member && TRANSPORT_ERRORS.has(error.code) && !error.collateral && ++member.failures >= FAILURES_TO_DOWN) this.markDown(id, error.code);
    return error.code;
  }

  /** A call that ignores the node's status, for probes: the caller decides what its outcome means. */
  probeCall<T>(id: string, op: (client: NodeClient) => Promise<T>): Promise<T> {
    const member = this.members.get(id);
    if (!member) return Promise.reject(new Error(`no node ${id}`));
    return op(this.clientOf(member));
  }

  /** Counts a failed probe like a failed call. */
  noteFailure(id: string, reason: string): void {
    const member = this.members.get(id);
    if (member && member.status === 'up' && ++member.failures >= FAILURES_TO_DOWN) this.markDown(id, reason);
  }

  private clientOf(member: Member): NodeClient {
    member.client ??= new NodeClient(member.address, { deadlineMs: this.deadlineMs, fence: member.fence, ledger: member.ledger });
    return member.client;
  }

  isSuspect(node: string, key: string): boolean {
    return this.suspects.get(node)?.has(key) ?? false;
  }

  markSuspect(node: string, key: string): void {
    const keys = this.suspects.get(node) ?? this.suspects.set(node, new Set()).get(node)!;
    if (keys.has(key)) return;
    keys.add(key);
    this.listener.suspectsChanged(node, [key], []);
  }

  clearSuspect(node: string, key: string): void {
    const keys = this.suspects.get(node);
    if (!keys?.delete(key)) return;
    if (keys.size === 0) this.suspects.delete(node);
    this.listener.suspectsChanged(node, [], [key]);
  }

  /** Marks made or cleared by another process (read from the store): not reported back to it. */
  adoptSuspects(node: string, added: readonly string[], cleared: readonly string[]): void {
    const keys = this.suspects.get(node) ?? new Set<string>();
    for (const key of cleared) keys.delete(key);
    for (const key of added) keys.add(key);
    if (keys.size) this.suspects.set(node, keys);
    else this.suspects.delete(node);
  }

  /** Every mark replaced by `marks` (a whole state read again), quietly. */
  replaceSuspects(marks: Record<string, readonly string[]>): void {
    this.suspects.clear();
    for (const [node, keys] of Object.entries(marks)) if (keys.length) this.suspects.set(node, new Set(keys));
  }

  suspectCount(node: string): number {
    return this.suspects.get(node)?.size ?? 0;
  }

  /** Suspect keys by node, as plain data for saving or settling. */
  suspectsByNode(): Record<string, string[]> {
    return Object.fromEntries([...this.suspects].map(([node, keys]) => [node, [...keys]]));
  }

  closeAll(): void {
    for (const member of this.members.values()) {
      member.client?.close();
      member.client = null;
    }
  }
}
