import net from 'node:net';
import memjs from 'memjs';
import type { HostPort } from '../../../core/sessions';

/** memcached cannot be reached, or answered something we cannot use. */
export class MemcachedError extends Error {
  override name = 'MemcachedError';
}

/**
 * memjs over memcached's binary protocol: values are raw bytes (no serializer) with flags 0, which
 * is exactly what php-memcached's session handler writes and reads back under its key; requests
 * are pipelined on one connection. Its own logging goes nowhere: errors reach us as rejections.
 */
export function memcachedClient(server: HostPort): memjs.Client {
  const host = server.host.includes(':') ? `[${server.host}]` : server.host;
  return memjs.Client.create(`${host}:${server.port}`, {
    // Seconds. A migration keeps hundreds of requests in flight on a busy machine.
    timeout: 10,
    conntimeout: 5,
    retries: 1,
    logger: { log: () => undefined },
  });
}

/** Sends one text-protocol command and collects the reply up to its terminator line. */
export function asciiCommand(server: HostPort, command: string, timeoutMs = 30_000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port, server.host);
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (e: Error) => {
      socket.destroy();
      reject(new MemcachedError(`memcached at ${server.host}:${server.port}: ${e.message}`, { cause: e }));
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`no answer to "${command}" in ${timeoutMs} ms`)));
    socket.on('error', fail);
    socket.on('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      size += d.length;
      // The end of a reply is a line of its own; only the buffer's last bytes need looking at.
      const tail = Buffer.concat(chunks, size).subarray(Math.max(0, size - 64)).toString('latin1');
      // (BUSY: another crawl is running; the metadump cannot start now.)
      if (/(^|\r?\n)(END|OK|ERROR|CLIENT_ERROR[^\n]*|SERVER_ERROR[^\n]*|BUSY[^\n]*)\r?\n$/.test(tail)) {
        socket.end();
        const lines = Buffer.concat(chunks, size).toString('latin1').split(/\r?\n/).filter(Boolean);
        const last = lines[lines.length - 1] ?? '';
        if (/ERROR|^BUSY/.test(last)) fail(new Error(`"${command}" answered ${last}`));
        else resolve(lines.slice(0, -1));
      }
    });
  });
}

export async function memcachedStats(server: HostPort): Promise<Record<string, string>> {
  const stats: Record<string, string> = {};
  for (const line of await asciiCommand(server, 'stats')) {
    const m = /^STAT (\S+) (.*)$/.exec(line);
    if (m) stats[m[1]!] = m[2]!;
  }
  return stats;
}

export interface KeyScan {
  keys: number;
  bytes: number;
  /** The soonest expiry among the keys (Unix seconds): the session written longest ago. */
  soonestExpiry?: number;
}

/**
 * Every key under `prefix`, from `lru_crawler metadump all` (memcached 1.4.31+): the crawler walks
 * the cache in the background and reports each item's key, expiry and size, without blocking
 * clients or reading values. The dump is the server's whole key list, so it costs time and
 * memory in proportion to the cache (about 100 bytes per item).
 */
export async function scanKeys(server: HostPort, prefix: string): Promise<KeyScan> {
  const scan: KeyScan = { keys: 0, bytes: 0 };
  for (const line of await asciiCommand(server, 'lru_crawler metadump all', 120_000)) {
    const fields = Object.fromEntries(line.split(' ').map((f) => f.split('=', 2) as [string, string]));
    // Keys come URL-encoded; the prefix's characters are ones that encoding leaves alone or escapes alike.
    if (!fields.key?.startsWith(encodeURIComponent(prefix))) continue;
    scan.keys++;
    scan.bytes += Number(fields.size ?? 0);
    const exp = Number(fields.exp);
    if (exp > 0 && (scan.soonestExpiry === undefined || exp < scan.soonestExpiry)) scan.soonestExpiry = exp;
  }
  return scan;
}
