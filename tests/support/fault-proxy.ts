// A TCP proxy in front of a real memcached that can be told to misbehave: go silent, reset, answer garbage or an error line.
import net from 'node:net';

export type ProxyMode = 'forward' | 'silent' | 'reset' | 'garbage' | 'error';

export interface FaultProxy {
  port: number;
  mode: ProxyMode;
  close(): Promise<void>;
}

export async function startFaultProxy(upstream: { host: string; port: number }): Promise<FaultProxy> {
  const sockets = new Set<net.Socket>();
  const proxy: FaultProxy = { port: 0, mode: 'forward', close: async () => undefined };
  const server = net.createServer((client) => {
    const server = net.connect(upstream.port, upstream.host);
    for (const socket of [client, server]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        server.destroy();
      });
    }
    if (proxy.mode === 'reset') return void client.resetAndDestroy();
    client.on('data', (chunk) => {
      if (proxy.mode === 'forward') server.write(chunk);
      else if (proxy.mode === 'garbage') client.write(Buffer.alloc(48, 0x41));
      else if (proxy.mode === 'error') client.write('ERROR\r\n');
      else if (proxy.mode === 'reset') client.resetAndDestroy();
      // silent: swallowed
    });
    server.on('data', (chunk) => {
      if (proxy.mode === 'forward') client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.port = (server.address() as net.AddressInfo).port;
  proxy.close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return proxy;
}
