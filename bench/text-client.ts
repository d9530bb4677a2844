// A minimal pipelined memcached text-protocol client (set and get only), to drive twemproxy in bench/throughput.ts.
import net from 'node:net';

interface Pending {
  get: boolean;
  resolve(value: Buffer | null): void;
  reject(error: Error): void;
}

const CRLF = Buffer.from('\r\n');
const END = Buffer.from('END\r\n');

/**
 * One socket, requests answered in order. Requests made in the same tick go out in one write, as
 * Ringside's own client does, so the comparison measures the proxy and not one system call per request.
 */
export class TextClient {
  private readonly pending: Pending[] = [];
  private head = 0;
  private buffer: Buffer = Buffer.alloc(0);
  private queued: Buffer[] = [];
  private failure: Error | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('the connection closed')));
  }

  static connect(host: string, port: number): Promise<TextClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new TextClient(socket));
      });
    });
  }

  set(key: string, value: Buffer, expires = 0): Promise<void> {
    return this.send(Buffer.concat([Buffer.from(`set ${key} 0 ${expires} ${value.length}\r\n`), value, CRLF]), false).then(() => undefined);
  }

  get(key: string): Promise<Buffer | null> {
    return this.send(Buffer.from(`get ${key}\r\n`), true);
  }

  close(): void {
    this.socket.destroy();
  }

  private send(request: Buffer, get: boolean): Promise<Buffer | null> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.push({ get, resolve, reject });
      if (this.queued.length === 0) process.nextTick(() => this.flush());
      this.queued.push(request);
    });
  }

  private flush(): void {
    const requests = this.queued;
    this.queued = [];
    this.socket.write(requests.length === 1 ? requests[0] : Buffer.concat(requests));
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    let at = 0;
    while (this.head < this.pending.length) {
      const lineEnd = this.buffer.indexOf(CRLF, at);
      if (lineEnd < 0) break;
      const line = this.buffer.toString('latin1', at, lineEnd);
      const request = this.pending[this.head];
      if (request.get && line.startsWith('VALUE ')) {
        const size = Number(line.slice(line.lastIndexOf(' ') + 1));
        const start = lineEnd + 2;
        if (this.buffer.length < start + size + 2 + END.length) break;
        const value = Buffer.from(this.buffer.subarray(start, start + size));
        if (!this.buffer.subarray(start + size + 2, start + size + 2 + END.length).equals(END)) return this.fail(new Error('a get reply with more than one value'));
        at = start + size + 2 + END.length;
        this.answer().resolve(value);
        continue;
      }
      at = lineEnd + 2;
      if (request.get && line === 'END') this.answer().resolve(null);
      else if (!request.get && line === 'STORED') this.answer().resolve(null);
      else this.answer().reject(new Error(`memcached answered ${JSON.stringify(line)}`));
    }
    this.buffer = at === this.buffer.length ? Buffer.alloc(0) : this.buffer.subarray(at);
    // Keep the queue from growing without bound over a long run.
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending.splice(0, this.head);
      this.head = 0;
    }
  }

  private answer(): Pending {
    return this.pending[this.head++];
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    for (const request of this.pending.splice(this.head)) request.reject(error);
    this.head = 0;
    this.pending.length = 0;
  }
}
