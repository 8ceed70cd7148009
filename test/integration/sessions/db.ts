import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';

/** npm test sets the port: the server on 3306, or a throwaway one it started (scripts/mariadb.js). */
export const DB_PORT = Number(process.env.SHELFSTACK_TEST_DB_PORT ?? 3306);

export interface SessionsDb {
  database: string;
  conn: mysql.Connection;
  url: string;
  drop(): Promise<void>;
}

/** A database of this test file's own with the store's kind of session table (`data` a BLOB). */
export async function createSessionsDb(table = 'sessions'): Promise<SessionsDb> {
  const database = `shelfstack_sess_${randomBytes(4).toString('hex')}`;
  const conn = await mysql.createConnection({ host: '127.0.0.1', port: DB_PORT, user: 'root', password: '', charset: 'utf8mb4' });
  await conn.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4`);
  await conn.query(`USE \`${database}\``);
  await conn.query(`CREATE TABLE \`${table}\` (id VARCHAR(128) NOT NULL PRIMARY KEY, data MEDIUMBLOB NOT NULL, access INT UNSIGNED NOT NULL) ENGINE=InnoDB`);
  return {
    database,
    conn,
    url: `mysql://root@127.0.0.1:${DB_PORT}/${database}`,
    async drop() {
      await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await conn.end();
    },
  };
}

export async function dbClock(conn: mysql.Connection): Promise<number> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT UNIX_TIMESTAMP() AS now');
  return Number(rows[0]!.now);
}
