import mysql from 'mysql2/promise';

export interface AppUserOptions {
  /** How init reaches MariaDB as its root: the server's socket on the db server (unix_socket auth), else TCP. */
  admin: { socketPath: string } | { host: string; port: number; user: string };
  database: string;
  user: string;
  password: string;
}

/**
 * The store's database and its application user, with the password from SSM. Run at every boot
 * of the db server, so a rotated `db-password` parameter takes effect at the next boot (or the
 * next `shelfstack init`); on a reattached volume it changes nothing else. Values go in as
 * placeholders, so no password can change the statement.
 */
export async function ensureAppUser(opts: AppUserOptions): Promise<void> {
  const conn = await mysql.createConnection({ ...opts.admin, multipleStatements: false });
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS ${mysql.escapeId(opts.database)}`);
    await conn.query("CREATE USER IF NOT EXISTS ?@'%' IDENTIFIED BY ?", [opts.user, opts.password]);
    await conn.query("ALTER USER ?@'%' IDENTIFIED BY ?", [opts.user, opts.password]);
    await conn.query(`GRANT ALL PRIVILEGES ON ${mysql.escapeId(opts.database)}.* TO ?@'%'`, [opts.user]);
  } finally {
    await conn.end();
  }
}
