import 'server-only';
// One socket to one memcached server carrying the data path's plain sets and gets as quiet binary batches: one noop reply settles each batch.
import net from 'node:net';
import { VALUE_FLAGS, type ItemVersion } from '../envelope';
import { Opcode, STATUS_NOT_FOUND, STATUS_TEXT } from './binary';
import { NodeError, type NodeErrorCode } from './node-error';
import { QuietRequests } from './quiet-requests';
import type { WriteFence } from './write-fence';
import { expiryOf, storeLeaves, type KeyWrite, type WriteLedger } from './write-ledger';

/** What a put without a TTL leaves of its key: one object for all of them (the ledger only reads it). */
const FOREVER: KeyWrite = Object.freeze({ kind: 'value', exp: -1 });

/** A hit: the item's flags, bytes and CAS. */
export interface QuietHit {
  flags: number;
  value: Buffer;
  cas: bigint;
}

/**
 * Whoever waits for a call's answer, told once: `hit` for a get that found the key (null: a miss, or a set
 * stored), `error` when it failed. `tag` is what the caller gave with the call (a put's replica, say), so one
 * receiver can wait for several calls without a closure for each.
 */
export interface QuietReceiver {
  answered(tag: number, error: NodeError | null, hit: QuietHit | null): void;
}

interface Call {
  opcode: Opcode.SetQ | Opcode.GetQ;
  receiver: QuietReceiver;
  tag: number;
  /** A set's key and what it leaves of it once stored, for the server's write ledger. */
  key: string | null;
  leaves: KeyWrite | null;
}

/** The calls of one write, opaques `first` onward in order, closed by a noop whose opaque is `noop`. */
interface Batch {
  calls: (Call | null)[];
  first: number;
  noop: number;
  writes: number;
  timer: NodeJS.Timeout | null;
}

/** The read buffer: a batch's replies (a noop, and the hits of its gets) usually fit in one read. */
const READ_BYTES = 64 * 1024;

/**
 * memjs answers every request with a reply it matches by sequence number through a dictionary. Here the
 * requests made while handling one poll phase go out in one write as SETQ/GETQ, closed by a NOOP: memcached
 * answers a quiet set only when it fails and a quiet get only when it hits, in order, so the noop's reply
 * settles every call of the batch still waiting (a set stored, a get missed). Replies are matched by their
 * position in the batch. Requests are written straight into a staging buffer that successive batches share,
 * so a put's value is copied once, from the caller's bytes to the bytes sent. Deadline and faults as the node
 * client's: the batch fails at its deadline, a closed socket fails everything at once, and a connection thrown
 * away with writes unanswered goes to the fence.
 */
export class QuietConnection {
  private readonly socket: net.Socket;
  private readonly sent: Batch[] = [];
  private next: Batch | null = null;
  /** The batch being written, in place (see quiet-requests.ts). */
  private readonly requests = new QuietRequests();
  private opaque = 0;
  private rest: Buffer | null = null;
  private dead = false;

  constructor(
    private readonly label: string,
    address: { host: string; port: number },
    private readonly deadlineMs: number,
    private readonly fence: WriteFence,
    private readonly ledger: WriteLedger,
  ) {
    // Replies are read into one buffer of the connection's own, not through the stream's chunks (see `receive`).
    const buffer = Buffer.allocUnsafeSlow(READ_BYTES);
    this.socket = net.connect({ host: address.host, port: address.port, onread: { buffer, callback: (bytes: number) => (this.receive(buffer.subarray(0, bytes)), true) } });
    this.socket.setNoDelay(true);
    this.socket.on('error', (error: NodeJS.ErrnoException) => this.fail(this.transportError(error)));
    this.socket.on('close', () => this.fail(new NodeError('closed', this.label, 'the server closed the connection')));
  }

  /** False once it has failed or been closed: the node client opens another. */
  get usable(): boolean {
    return !this.dead;
  }

  /** Stores raw bytes under `flags` (the item exactly as given). */
  set(key: string, value: Buffer, flags: number, expires: number): Promise<void> {
    return new Promise((resolve, reject) => this.store(key, null, value, flags, expires, { answered: (_, error) => (error ? reject(error) : resolve()) }, 0));
  }

  /** Stores a versioned value: the envelope's header written in place before `bytes` (see ../envelope), `version` read at once. */
  setVersioned(key: string, version: ItemVersion, bytes: Uint8Array, expires: number, receiver: QuietReceiver, tag: number): void {
    this.store(key, version, bytes, VALUE_FLAGS, expires, receiver, tag);
  }

  get(key: string): Promise<QuietHit | null> {
    return new Promise((resolve, reject) => this.read(key, { answered: (_, error, hit) => (error ? reject(error) : resolve(hit)) }, 0));
  }

  /** A get answered to `receiver`. */
  read(key: string, receiver: QuietReceiver, tag: number): void {
    if (this.dead) return receiver.answered(tag, discarded(this.label), null);
    this.requests.get(this.opaque, key);
    this.add(Opcode.GetQ, receiver, tag, null, null);
  }

  /** Fails every call now; writes possibly unapplied leave the socket to the fence rather than destroyed. */
  close(): void {
    this.fail(discarded(this.label));
  }

  private store(key: string, version: ItemVersion | null, bytes: Uint8Array, flags: number, expires: number, receiver: QuietReceiver, tag: number): void {
    if (this.dead) return receiver.answered(tag, discarded(this.label), null);
    this.requests.set(this.opaque, key, version, bytes, flags, expires);
    this.ledger.begin();
    this.add(Opcode.SetQ, receiver, tag, key, version ? (expires === 0 ? FOREVER : { kind: 'value', exp: expiryOf(expires) }) : storeLeaves(flags, bytes, expires));
  }

  private add(opcode: Call['opcode'], receiver: QuietReceiver, tag: number, key: string | null, leaves: KeyWrite | null): void {
    let batch = this.next;
    if (!batch) {
      batch = this.next = { calls: [], first: this.opaque, noop: 0, writes: 0, timer: null };
      setImmediate(this.flushing);
    }
    this.opaque = (this.opaque + 1) >>> 0;
    if (opcode === Opcode.SetQ) batch.writes++;
    batch.calls.push({ opcode, receiver, tag, key, leaves });
  }

  private readonly flushing = () => this.flush();

  /** Sends the batch in one write; its deadline starts now, within a poll phase of its calls. */
  private flush(): void {
    const batch = this.next;
    if (!batch || this.dead) return;
    this.next = null;
    batch.noop = this.opaque;
    const data = this.requests.noop(this.opaque);
    this.opaque = (this.opaque + 1) >>> 0;
    batch.timer = setTimeout(() => this.timeOut(batch), this.deadlineMs);
    this.sent.push(batch);
    this.socket.write(data);
  }

  /** The batch's calls time out, and the connection goes with them: one failure of the node, as memjs's first timeout is. */
  private timeOut(batch: Batch): void {
    batch.timer = null;
    const message = `no answer within ${this.deadlineMs} ms`;
    this.fail(new NodeError('timeout', this.label, message), new NodeError('timeout', this.label, message, true));
  }

  /** `chunk` is the read buffer, reused for the next read: whatever outlives the call is copied out of it. */
  private receive(chunk: Buffer): void {
    if (this.dead) return;
    const data = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = null;
    let at = 0;
    while (data.length - at >= 24) {
      const end = at + 24 + data.readUInt32BE(at + 8);
      if (data.length < end) break;
      if (!this.reply(data, at, end)) return;
      at = end;
    }
    if (at < data.length) this.rest = Buffer.from(data.subarray(at));
  }

  /** One reply; false when it cannot belong to the stream (the connection is then gone). */
  private reply(data: Buffer, at: number, end: number): boolean {
    const batch = this.sent[0];
    const opcode = data[at + 1];
    const opaque = data.readUInt32BE(at + 12);
    if (data[at] !== 0x81 || !batch) return this.lost('a reply that is not an answer to a request');
    if (opaque === batch.noop && opcode === Opcode.Noop) {
      // Everything not answered before the noop: a set stored, a get missed.
      if (batch.timer) clearTimeout(batch.timer);
      this.sent.shift();
      const calls = batch.calls;
      for (let i = 0; i < calls.length; i++) {
        const call = calls[i];
        if (!call) continue;
        if (call.opcode === Opcode.SetQ) this.ledger.answered('set', call.key!, call.leaves);
        call.receiver.answered(call.tag, null, null);
      }
      return true;
    }
    const index = (opaque - batch.first) >>> 0;
    const call = index < batch.calls.length ? batch.calls[index] : null;
    if (!call || call.opcode !== opcode) return this.lost('a reply that is not an answer to a request');
    batch.calls[index] = null;
    // A refused set: whether memcached counted it, and what it dropped, the answer does not say.
    if (opcode === Opcode.SetQ) {
      batch.writes--;
      this.ledger.doubted();
    }
    const status = data.readUInt16BE(at + 6);
    if (status === 0 && opcode === Opcode.GetQ) {
      const extras = data[at + 4];
      const keyBytes = data.readUInt16BE(at + 2);
      const flags = extras >= 4 ? data.readUInt32BE(at + 24) : 0;
      call.receiver.answered(call.tag, null, { flags, value: Buffer.from(data.subarray(at + 24 + extras + keyBytes, end)), cas: data.readBigUInt64BE(at + 16) });
    } else if (status === STATUS_NOT_FOUND && opcode === Opcode.GetQ) call.receiver.answered(call.tag, null, null);
    else if (STATUS_TEXT[status]) call.receiver.answered(call.tag, refusal(this.label, status), null);
    else return this.lost(`an unknown status 0x${status.toString(16)}`);
    return true;
  }

  private lost(message: string): false {
    this.fail(new NodeError('protocol', this.label, message), discarded(this.label));
    return false;
  }

  private transportError(error: NodeJS.ErrnoException): NodeError {
    const refused = error.code === 'ECONNREFUSED' || error.code === 'EHOSTUNREACH' || error.code === 'ENETUNREACH';
    return new NodeError(refused ? 'unreachable' : 'closed', this.label, error.message);
  }

  /**
   * The first call still waiting fails with `error`, every other with `rest` (a collateral failure unless the
   * socket itself failed them all). The socket is destroyed, or held by the fence while writes may be applied.
   */
  private fail(error: NodeError, rest = error): void {
    if (this.dead) return;
    this.dead = true;
    const unanswered = this.sent.some((batch) => batch.writes > 0);
    const failed: Call[] = [];
    for (const batch of this.next ? [...this.sent, this.next] : this.sent) {
      if (batch.timer) clearTimeout(batch.timer);
      for (const call of batch.calls) if (call) failed.push(call);
    }
    for (const call of failed) if (call.opcode === Opcode.SetQ) this.ledger.doubted();
    this.next = null;
    this.requests.drop();
    this.sent.length = 0;
    // The socket is dealt with before anyone hears: a receiver may open the next connection at once.
    if (unanswered && !this.socket.destroyed && !this.socket.connecting) this.fence.hold(this.socket);
    else this.socket.destroy();
    failed.forEach((call, i) => call.receiver.answered(call.tag, i === 0 ? error : rest, null));
  }
}

function discarded(label: string): NodeError {
  return new NodeError('closed', label, 'connection discarded', true);
}

/** A status memcached answers a store with when it refuses it: the connection stays in step. */
function refusal(label: string, status: number): NodeError {
  const code: NodeErrorCode = status === 0x03 ? 'too_large' : status === 0x82 ? 'out_of_memory' : 'server_error';
  return new NodeError(code, label, `MemJS SET: ${STATUS_TEXT[status]}`);
}
