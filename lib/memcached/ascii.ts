import 'server-only';
// One-shot commands over memcached's text protocol, for what the binary protocol lacks: key listing and TTLs.
import net from 'node:net';

export interface AsciiTarget {
  host: string;
  port: number;
}

/** A reply is whole when `complete` says so; a line starting with ERROR, CLIENT_ERROR or SERVER_ERROR ends it too. */
export function asciiCommand(target: AsciiTarget, command: string, complete: (reply: string) => boolean, deadlineMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: target.host, port: target.port });
    const chunks: Buffer[] = [];
    let size = 0;
    let tail = '';
    const settle = (error: Error | null, reply?: string) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(reply!);
    };
    const timer = setTimeout(() => settle(Object.assign(new Error(`no complete reply to ${command.split(' ')[0]} within ${deadlineMs} ms`), { code: 'ETIMEDOUT' })), deadlineMs);
    socket.setNoDelay(true);
    socket.on('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      // Only the end of the reply decides completeness, so long listings are not re-decoded on every chunk.
      tail = (tail + chunk.toString('latin1', Math.max(0, chunk.length - 512))).slice(-512);
      const failure = /(^|\n)((?:CLIENT_|SERVER_)?ERROR[^\r\n]*)\r\n$/.exec(tail);
      if (failure) settle(Object.assign(new Error(`memcached answered ${failure[2]}`), { code: 'EPROTO' }));
      else if (complete(tail)) settle(null, Buffer.concat(chunks, size).toString('latin1'));
    });
    socket.on('error', (error) => settle(error));
    socket.on('close', () => settle(Object.assign(new Error('connection closed before the reply was complete'), { code: 'ECONNRESET' })));
  });
}

/** Percent-escapes back to the key's UTF-8 text (memcached URL-encodes keys in metadump). */
export function decodeKey(encoded: string): string {
  if (!encoded.includes('%')) return encoded;
  try {
    // The fast path: memcached escapes whole UTF-8 sequences, which is what decodeURIComponent reads back.
    return decodeURIComponent(encoded);
  } catch {
    // A stray % or a byte sequence that is not UTF-8: decode byte by byte below.
  }
  const bytes: number[] = [];
  for (let at = 0; at < encoded.length; at++) {
    if (encoded[at] === '%' && /^[0-9a-f]{2}$/i.test(encoded.slice(at + 1, at + 3))) {
      bytes.push(parseInt(encoded.slice(at + 1, at + 3), 16));
      at += 2;
    } else bytes.push(encoded.charCodeAt(at));
  }
  return Buffer.from(bytes).toString('utf8');
}
