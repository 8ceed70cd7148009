import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * An elastic IP on loopback: a TCP listener on the address and the slot's HTTP port that forwards
 * each connection to whichever instance holds the address now (its private address, same port),
 * so a customer's `curl` to it keeps working across a failover, apart from the seconds of the move.
 */
export interface EipForwarder {
  address: string;
  port: number;
  close(): Promise<void>;
}

export async function startEipForwarder(address: string, port: number, holder: () => string | undefined): Promise<EipForwarder> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    const target = holder();
    if (!target) return client.destroy();
    const upstream = connect({ host: target, port });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve());
  });
  return {
    address,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
