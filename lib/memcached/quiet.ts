import 'server-only';
// One socket to one memcached server carrying the data path's plain sets and gets as quiet binary batches: one noop reply settles each batch.
import net from 'node:net';
import { Opcode, request, STATUS_NOT_FOUND, STATUS_TEXT } from './binary';
import { NodeError, type NodeErrorCode } from './node-error';
import type { WriteFence } from './write-fence';

/** A hit: the item's flags, bytes and CAS. */
export interface QuietHit {
  flags: number;
  value: Buffer;
  cas: bigint;
}

interface Call {
  opcode: Opcode.SetQ | Opcode.GetQ;
  resolve(hit: QuietHit | null): void;
  reject(error: Error): void;
}

/** The calls of one write, opaques `first` onward in order, closed by a noop whose opaque is `noop`. */
interface Batch {
  calls: (Call | null)[];
  first: number;
  noop: number;
  writes: number;
  timer: NodeJS.Timeout | null;
}

/**
 * memjs answers every request with a reply it matches by sequence number through a dictionary. Here the
 * requests made while handling one poll phase go out in one write as SETQ/GETQ, closed by a NOOP: memcached
 * answers a quiet set only when it fails and a quiet get only when it hits, in order, so the noop's reply
 * settles every call of the batch still waiting (a set stored, a get missed). Replies are matched by their
 * position in the batch. Deadline and faults as the node client's: the batch fails at its deadline, a closed
 * socket fails everything at once, and a connection thrown away with writes unanswered goes to the fence.
 */
export class QuietConnection {
  private readonly socket: net.Socket;
  private readonly sent: Batch[] = [];
  private next: Batch | null = null;
  private parts: Buffer[] = [];
  private opaque = 0;
  private rest: Buffer | null = null;
  private dead = false;

  constructor(
    private readonly label: string,
    address: { host: string; port: number },
    private readonly deadlineMs: number,
    private readonly fence: WriteFence,
  ) {
    this.socket = net.connect({ host: address.host, port: address.port });
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.receive(chunk));
    this.socket.on('error', (error: NodeJS.ErrnoException) => this.fail(this.transportError(error)));
    this.socket.on('close', () => this.fail(new NodeError('closed', this.label, 'the server closed the connection')));
  }

  /** False once it has failed or been closed: the node client opens another. */
  get usable(): boolean {
    return !this.dead;
  }

  set(key: string, value: Buffer, flags: number, expires: number): Promise<void> {
    return this.add(Opcode.SetQ, request(Opcode.SetQ, key, 0, { value, flags, expires })) as Promise<unknown> as Promise<void>;
  }

  get(key: string): Promise<QuietHit | null> {
    return this.add(Opcode.GetQ, request(Opcode.GetQ, key, 0));
  }

  /** Fails every call now; writes possibly unapplied leave the socket to the fence rather than destroyed. */
  close(): void {
    this.fail(new NodeError('closed', this.label, 'connection discarded', true));
  }

  private add(opcode: Call['opcode'], buffer: Buffer): Promise<QuietHit | null> {
    if (this.dead) return Promise.reject(new NodeError('closed', this.label, 'connection discarded', true));
    let batch = this.next;
    if (!batch) {
      batch = this.next = { calls: [], first: this.opaque, noop: 0, writes: 0, timer: null };
      setImmediate(() => this.flush());
    }
    buffer.writeUInt32BE(this.opaque, 12);
    this.opaque = (this.opaque + 1) >>> 0;
    this.parts.push(buffer);
    if (opcode === Opcode.SetQ) batch.writes++;
    return new Promise((resolve, reject) => batch.calls.push({ opcode, resolve, reject }));
  }

  /** Sends the batch in one write; its deadline starts now, within a poll phase of its calls. */
  private flush(): void {
    const batch = this.next;
    if (!batch || this.dead) return;
    this.next = null;
    batch.noop = this.opaque;
    this.parts.push(request(Opcode.Noop, '', this.opaque));
    this.opaque = (this.opaque + 1) >>> 0;
    const parts = this.parts;
    this.parts = [];
    batch.timer = setTimeout(() => this.timeOut(batch), this.deadlineMs);
    this.sent.push(batch);
    this.socket.write(parts.length === 1 ? parts[0] : Buffer.concat(parts));
  }

  /** The batch's calls time out, and the connection goes with them: one failure of the node, as memjs's first timeout is. */
  private timeOut(batch: Batch): void {
    batch.timer = null;
    const message = `no answer within ${this.deadlineMs} ms`;
    this.fail(new NodeError('timeout', this.label, message), new NodeError('timeout', this.label, message, true));
  }

  private receive(chunk: Buffer): void {
    const data = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = null;
    let at = 0;
    while (data.length - at >= 24) {
      const end = at + 24 + data.readUInt32BE(at + 8);
      if (data.length < end) break;
      if (!this.reply(data, at, end)) return;
      at = end;
    }
    if (at < data.length) this.rest = data.subarray(at);
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
      for (const call of batch.calls) call?.resolve(null);
      return true;
    }
    const index = (opaque - batch.first) >>> 0;
    const call = index < batch.calls.length ? batch.calls[index] : null;
    if (!call || call.opcode !== opcode) return this.lost('a reply that is not an answer to a request');
    batch.calls[index] = null;
    if (opcode === Opcode.SetQ) batch.writes--;
    const status = data.readUInt16BE(at + 6);
    if (status === 0 && opcode === Opcode.GetQ) {
      const extras = data[at + 4];
      const keyBytes = data.readUInt16BE(at + 2);
      const flags = extras >= 4 ? data.readUInt32BE(at + 24) : 0;
      call.resolve({ flags, value: data.subarray(at + 24 + extras + keyBytes, end), cas: data.readBigUInt64BE(at + 16) });
    } else if (status === STATUS_NOT_FOUND && opcode === Opcode.GetQ) call.resolve(null);
    else if (STATUS_TEXT[status]) call.reject(refusal(this.label, status));
    else return this.lost(`an unknown status 0x${status.toString(16)}`);
    return true;
  }

  private lost(message: string): false {
    this.fail(new NodeError('protocol', this.label, message), new NodeError('closed', this.label, 'connection discarded', true));
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
    const batches = this.next ? [...this.sent, this.next] : this.sent;
    this.next = null;
    this.parts = [];
    let first = true;
    for (const batch of batches) {
      if (batch.timer) clearTimeout(batch.timer);
      for (const call of batch.calls) {
        if (!call) continue;
        call.reject(first ? error : rest);
        first = false;
      }
    }
    this.sent.length = 0;
    if (unanswered && !this.socket.destroyed && !this.socket.connecting) this.fence.hold(this.socket);
    else this.socket.destroy();
  }
}

/** A status memcached answers a store with when it refuses it: the connection stays in step. */
function refusal(label: string, status: number): NodeError {
  const code: NodeErrorCode = status === 0x03 ? 'too_large' : status === 0x82 ? 'out_of_memory' : 'server_error';
  return new NodeError(code, label, `MemJS SET: ${STATUS_TEXT[status]}`);
}
