import { randomBytes } from 'node:crypto';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import mysql from 'mysql2/promise';
import { backupPrefix } from '../../core/backup-retention';
import { listAll } from '../../cloud/s3';
import { backupDatabase, restoreDatabase } from '../../instance/db-backup';
import { useEmulators } from '../support/emulators';
import { useIamRole } from '../support/iam';

const emu = useEmulators('shelfstack-dbbackup');
useIamRole('DbInstanceRole', { params: { bucket: 'shelfstack-dbbackup' } });
const database = `shelfstack_bk_${randomBytes(4).toString('hex')}`;
// npm test sets the port: the server on 3306, or a throwaway one it started (scripts/mariadb.js).
const port = Number(process.env.SHELFSTACK_TEST_DB_PORT ?? 3306);
const target = { host: '127.0.0.1', port, user: 'root', database };
let conn: mysql.Connection;

beforeAll(async () => {
  conn = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', password: '' });
  await conn.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4`);
  await conn.query(`USE \`${database}\``);
  await conn.query('CREATE TABLE sessions (id VARCHAR(64) PRIMARY KEY, data TEXT, blobby BLOB) ENGINE=InnoDB');
  await conn.query('INSERT INTO sessions VALUES (?, ?, ?), (?, ?, ?)', ['a', 'Rote Blume — ñ 🎧', Buffer.from([0, 1, 255]), 'b', "it's", null]);
});

afterAll(async () => {
  await conn?.query(`DROP DATABASE IF EXISTS \`${database}\``);
  await conn?.end();
});

describe('database backups', () => {
  it('round-trips a database through a gzip backup in S3 and a restore', async () => {
    const { key } = await backupDatabase({ s3: emu.s3, bucket: emu.bucket, db: target });
    expect(key.startsWith(backupPrefix(database))).toBe(true);
    const obj = await emu.s3.send(new GetObjectCommand({ Bucket: emu.bucket, Key: key }));
    const head = Buffer.from(await obj.Body!.transformToByteArray()).subarray(0, 2);
    expect([...head]).toEqual([0x1f, 0x8b]); // gzip

    await conn.query('DELETE FROM sessions');
    await conn.query("INSERT INTO sessions VALUES ('c', 'after the backup', NULL)");
    await restoreDatabase({ s3: emu.s3, bucket: emu.bucket, key, db: target });

    const [rows] = await conn.query('SELECT id, data, blobby FROM sessions ORDER BY id');
    expect(rows).toEqual([
      { id: 'a', data: 'Rote Blume — ñ 🎧', blobby: Buffer.from([0, 1, 255]) },
      { id: 'b', data: "it's", blobby: null },
    ]);
  });

  it('fails and leaves no object behind when mysqldump fails', async () => {
    const missing = { ...target, database: `${database}_missing` };
    await expect(backupDatabase({ s3: emu.s3, bucket: emu.bucket, db: missing })).rejects.toThrow(/mysqldump exited/);
    expect(await listAll(emu.s3, emu.bucket, backupPrefix(missing.database))).toEqual([]);
  });
});
