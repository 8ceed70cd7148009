/**
 * A small load generator for the web benchmarks, run in its own process: N concurrent GETs of
 * one URL (bodies counted and dropped), or one S3 GetObject through the SDK. Prints one JSON line.
 */
import http from 'node:http';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';

interface Args {
  url?: string;
  s3Endpoint?: string;
  bucket?: string;
  key?: string;
  concurrency: number;
}

interface Result {
  status: number;
  bytes: number;
  firstByteMs: number;
}

const t0 = performance.now();

function get(url: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let bytes = 0;
        let firstByteMs = 0;
        res.on('data', (d: Buffer) => {
          if (bytes === 0) firstByteMs = performance.now() - t0;
          bytes += d.length;
        });
        res.on('end', () => resolve({ status: res.statusCode!, bytes, firstByteMs }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

async function s3Get(a: Args): Promise<Result> {
  const s3 = new S3Client({ endpoint: a.s3Endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, responseChecksumValidation: 'WHEN_REQUIRED' });
  const res = await s3.send(new GetObjectCommand({ Bucket: a.bucket, Key: a.key }));
  let bytes = 0;
  let firstByteMs = 0;
  for await (const d of res.Body as Readable) {
    if (bytes === 0) firstByteMs = performance.now() - t0;
    bytes += (d as Buffer).length;
  }
  s3.destroy();
  return { status: 200, bytes, firstByteMs };
}

async function main() {
  const a = JSON.parse(process.argv[2]!) as Args;
  const results = await Promise.all(Array.from({ length: a.concurrency }, () => (a.url ? get(a.url) : s3Get(a))));
  const ms = performance.now() - t0;
  const firstBytes = results.map((r) => r.firstByteMs).sort((x, y) => x - y);
  console.log(
    JSON.stringify({
      ms,
      bytes: results.reduce((s, r) => s + r.bytes, 0),
      statuses: results.map((r) => r.status),
      firstByteMs: { median: firstBytes[Math.floor(firstBytes.length / 2)], max: firstBytes[firstBytes.length - 1] },
    }),
  );
}

void main();
