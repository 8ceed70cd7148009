import { createSocket, type Socket } from 'node:dgram';
import { decode, encode, type Answer } from 'dns-packet';

/**
 * The round-robin record on loopback: a UDP DNS server answering A queries from the local
 * Route 53's records (what `lookup` returns), so `dig @127.0.0.1 -p PORT www.shelfstack.local`
 * shows the members. Names it does not hold get NXDOMAIN; it is authoritative for nothing else.
 */
export interface LocalDns {
  host: string;
  port: number;
  close(): Promise<void>;
}

export interface RecordAnswer {
  ttl: number;
  values: string[];
}

export async function startLocalDns(lookup: (name: string) => RecordAnswer | undefined, opts: { host?: string; port?: number } = {}): Promise<LocalDns> {
  const host = opts.host ?? '127.0.0.1';
  const socket: Socket = createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    let query;
    try {
      query = decode(msg);
    } catch {
      return; // Not DNS: dropped, as a server does.
    }
    const answers: Answer[] = [];
    let rcode: 'NOERROR' | 'NXDOMAIN' = 'NOERROR';
    for (const q of query.questions ?? []) {
      const found = lookup(q.name.toLowerCase().replace(/\.$/, ''));
      if (!found) rcode = 'NXDOMAIN';
      else if (q.type === 'A') for (const data of found.values) answers.push({ type: 'A', name: q.name, ttl: found.ttl, class: 'IN', data });
    }
    const reply = encode({
      id: query.id,
      type: 'response',
      flags: 0x0400 | ((query.flags ?? 0) & 0x0100) | (rcode === 'NXDOMAIN' ? 3 : 0),
      questions: query.questions,
      answers,
    });
    socket.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(opts.port ?? 0, host, () => resolve());
  });
  return { host, port: socket.address().port, close: () => new Promise<void>((resolve) => socket.close(() => resolve())) };
}
