import { spawn, type ChildProcess } from 'node:child_process';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { backupKey, backupPrefix, planRetention, type Retention } from '../core/backup-retention';
import { deleteKey, listAll } from '../cloud/s3';
import { silentLogger, type Logger } from './logger';

export interface DbTarget {
  host: string;
  port: number;
  user: string;
  database: string;
}

export class BackupError extends Error {
  override name = 'BackupError';
}

// The password, when there is one, comes from MYSQL_PWD or the user's option file, never argv.
function clientArgs(db: DbTarget): string[] {
  return [`--host=${db.host}`, `--port=${db.port}`, `--user=${db.user}`, '--protocol=TCP'];
}

function exitOf(child: ChildProcess, what: string): Promise<void> {
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', (e) => reject(new BackupError(`${what} could not start: ${e.message}`, { cause: e })));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new BackupError(`${what} exited ${code}: ${stderr.trim().split('\n')[0]}`))));
  });
}

/**
 * mysqldump --single-transaction (a consistent snapshot of InnoDB without locking the store) |
 * gzip → S3 multipart upload, streamed end to end with no temp file. If the dump fails the upload
 * is aborted (or the object deleted), so a half dump never stays under a backup key.
 */
export async function backupDatabase(opts: { s3: S3Client; bucket: string; db: DbTarget; now?: Date; logger?: Logger }): Promise<{ key: string; bytes: number }> {
  const key = backupKey(opts.db.database, opts.now ?? new Date());
  const dump = spawn('mysqldump', [...clientArgs(opts.db), '--single-transaction', '--quick', '--routines', '--triggers', '--hex-blob', opts.db.database], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const dumped = exitOf(dump, 'mysqldump');
  const gzip = createGzip();
  let bytes = 0;
  gzip.on('data', (d: Buffer) => (bytes += d.length));
  dump.stdout!.pipe(gzip);
  const upload = new Upload({
    client: opts.s3,
    params: { Bucket: opts.bucket, Key: key, Body: gzip, ContentType: 'application/gzip' },
    partSize: 8 * 1024 * 1024,
    queueSize: 2,
  });
  const [uploaded, exited] = await Promise.allSettled([upload.done(), dumped]);
  if (exited.status === 'rejected') {
    // A dump that failed may still have ended its stream cleanly: never leave it under a backup key.
    await upload.abort().catch(() => undefined);
    if (uploaded.status === 'fulfilled') await deleteKey(opts.s3, opts.bucket, key);
    throw exited.reason;
  }
  if (uploaded.status === 'rejected') throw new BackupError(`upload of ${key} failed: ${(uploaded.reason as Error).message}`, { cause: uploaded.reason });
  (opts.logger ?? silentLogger).info({ key, bytes }, 'db_backup_stored');
  return { key, bytes };
}

/** Streams a backup from S3 through gunzip into `mysql` for the database (which must exist). */
export async function restoreDatabase(opts: { s3: S3Client; bucket: string; key: string; db: DbTarget; logger?: Logger }): Promise<void> {
  const res = await opts.s3.send(new GetObjectCommand({ Bucket: opts.bucket, Key: opts.key }));
  const mysql = spawn('mysql', [...clientArgs(opts.db), opts.db.database], { stdio: ['pipe', 'ignore', 'pipe'] });
  const done = exitOf(mysql, 'mysql');
  await Promise.all([pipeline(res.Body as NodeJS.ReadableStream, createGunzip(), mysql.stdin!), done]);
  (opts.logger ?? silentLogger).info({ key: opts.key, database: opts.db.database }, 'db_restored');
}

/** Deletes the backups of a database that the retention no longer keeps. */
export async function pruneBackups(opts: { s3: S3Client; bucket: string; database: string; now?: Date; retention?: Retention; logger?: Logger }): Promise<string[]> {
  const keys = (await listAll(opts.s3, opts.bucket, backupPrefix(opts.database))).map((o) => o.key);
  const { remove } = planRetention(keys, opts.now ?? new Date(), opts.retention);
  for (const key of remove) {
    await deleteKey(opts.s3, opts.bucket, key);
    (opts.logger ?? silentLogger).info({ key }, 'db_backup_pruned');
  }
  return remove;
}

export async function listBackups(s3: S3Client, bucket: string, database: string): Promise<{ key: string; size: number; lastModified: Date }[]> {
  return (await listAll(s3, bucket, backupPrefix(database))).map(({ key, size, lastModified }) => ({ key, size, lastModified }));
}
