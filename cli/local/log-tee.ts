import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';

/**
 * The rehearsal's output (issue 12 item 4): the JSON lines that the functions (Powertools, EMF
 * metrics) and the rehearsal's own logger write to stdout all go to DIR/logs/rehearsal.log; the
 * terminal gets them as they are with --verbose, and otherwise one readable line per ERROR and
 * nothing for the rest (the invocation lines say what ran).
 */
export function teeJsonLines(dir: string, verbose: boolean): () => void {
  mkdirSync(path.join(dir, 'logs'), { recursive: true });
  const file = createWriteStream(path.join(dir, 'logs', 'rehearsal.log'), { flags: 'a' });
  // Powertools writes INFO to stdout and WARN/ERROR to stderr: both streams are caught.
  const restores = [process.stdout, process.stderr].map((stream) => {
    const original = stream.write.bind(stream) as (c: string | Uint8Array, ...r: unknown[]) => boolean;
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      if (!text.startsWith('{')) return original(chunk, ...rest);
      file.write(text.endsWith('\n') ? text : `${text}\n`);
      if (verbose) return original(chunk, ...rest);
      for (const line of text.split('\n').filter(Boolean)) {
        const readable = readableError(line);
        if (readable) original(`${readable}\n`);
      }
      (rest.find((r) => typeof r === 'function') as (() => void) | undefined)?.();
      return true;
    }) as typeof stream.write;
    return () => {
      stream.write = original as typeof stream.write;
    };
  });
  return () => {
    for (const r of restores) r();
    file.end();
  };
}

/** `21:56:44.376 ERROR shelfstack-dns no_healthy_web_server record=www.shelfstack.local` for an ERROR line. */
export function readableError(line: string): string | undefined {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const level = String(o.level ?? '').toUpperCase();
  if (level !== 'ERROR' && level !== 'FATAL' && level !== '50' && level !== '60') return undefined;
  const time = typeof o.timestamp === 'string' ? o.timestamp.slice(11, 23) : typeof o.time === 'number' ? new Date(o.time).toISOString().slice(11, 23) : '';
  const skip = new Set(['level', 'timestamp', 'time', 'service', 'message', 'msg', 'sampling_rate', 'pid', 'hostname', 'stack']);
  const fields = Object.entries(o)
    .filter(([k]) => !skip.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${time} ERROR ${String(o.service ?? '')} ${String(o.message ?? o.msg ?? '')} ${fields}`.trim();
}
