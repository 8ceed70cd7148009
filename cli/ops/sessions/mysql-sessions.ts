import mysql from 'mysql2/promise';
import { ConfigError, ValidationError } from '../../../core/errors';
import type { MysqlTarget, SessionColumns } from '../../../core/sessions';

/** The session table does not fit the settings: the message is the one line the command prints. */
export class SessionsTableError extends ValidationError {
  override name = 'SessionsTableError';
}

export interface SessionRow {
  id: string;
  /** The serialized session exactly as stored (bytes: a BLOB may hold anything). */
  data: Buffer;
  access: number;
}

export interface SessionTable {
  conn: mysql.Connection;
  table: string;
  columns: SessionColumns;
}

export async function connectSessions(target: MysqlTarget, password: string | undefined): Promise<mysql.Connection> {
  try {
    return await open(target, password);
  } catch (e: unknown) {
    // mysql2's messages name the user and host, never the password.
    const reason = e instanceof Error ? e.message : String(e);
    throw new ConfigError('SHELFSTACK_SESSIONS_MYSQL_URL', `cannot be reached: ${reason} (${target.host}:${target.port}/${target.database})`);
  }
}

function open(target: MysqlTarget, password: string | undefined): Promise<mysql.Connection> {
  return mysql.createConnection({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password ?? password ?? '',
    database: target.database,
    // The bytes of a TEXT column come as the store's PHP (utf8mb4) wrote them.
    charset: 'utf8mb4',
    connectTimeout: 5000,
  });
}

/** Checks that the table and its three columns exist; throws one line naming what is missing. */
export async function checkTable(t: SessionTable): Promise<void> {
  const [rows] = await t.conn.query<mysql.RowDataPacket[]>(
    'SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
    [t.table],
  );
  if (rows.length === 0) throw new SessionsTableError(`no table \`${t.table}\` in this database (SHELFSTACK_SESSIONS_TABLE)`);
  const have = new Set(rows.map((r) => String(r.name).toLowerCase()));
  for (const [role, name] of Object.entries(t.columns)) {
    if (!have.has(name.toLowerCase())) {
      throw new SessionsTableError(`table \`${t.table}\` has no column \`${name}\` (the ${role} column of SHELFSTACK_SESSIONS_COLUMNS)`);
    }
  }
}

/** The database's clock, in Unix seconds: the one every cut-off is measured against. */
export async function dbNow(conn: mysql.Connection): Promise<number> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT UNIX_TIMESTAMP() AS now');
  return Number(rows[0]!.now);
}

/**
 * The data column as raw bytes, whatever its type. One function for every page: mysql2 caches the
 * row parser it generates per query shape and typeCast, so a new closure per page would rebuild it.
 */
const dataAsBytes: mysql.TypeCast = (field, next) => (field.name === 'data' ? field.buffer() : next());

const asRow = (t: SessionTable) => (r: mysql.RowDataPacket): SessionRow => ({
  id: String(r.id),
  data: Buffer.isBuffer(r.data) ? r.data : Buffer.from(r.data == null ? '' : String(r.data)),
  access: Number(r.access),
});

/**
 * One page of sessions with `access` above `minAccess`, after `afterId` in id order: keyset
 * pagination, so every page costs the same however deep into the table it is (no OFFSET).
 */
export async function readPage(t: SessionTable, afterId: string | undefined, minAccess: number, limit: number): Promise<SessionRow[]> {
  const { id, data, access } = t.columns;
  const where = afterId === undefined ? '' : ` AND ${mysql.escapeId(id)} > ?`;
  const [rows] = await t.conn.query<mysql.RowDataPacket[]>({
    sql: `SELECT ${mysql.escapeId(id)} AS id, ${mysql.escapeId(data)} AS data, ${mysql.escapeId(access)} AS access
      FROM ${mysql.escapeId(t.table)} WHERE ${mysql.escapeId(access)} > ?${where} ORDER BY ${mysql.escapeId(id)} LIMIT ?`,
    values: afterId === undefined ? [minAccess, limit] : [minAccess, afterId, limit],
    typeCast: dataAsBytes,
  });
  return rows.map(asRow(t));
}

/** How many sessions have `access` above `minAccess` (the progress bar's total). */
export async function countSince(t: SessionTable, minAccess: number): Promise<number> {
  const [rows] = await t.conn.query<mysql.RowDataPacket[]>(
    `SELECT COUNT(*) AS n FROM ${mysql.escapeId(t.table)} WHERE ${mysql.escapeId(t.columns.access)} > ?`,
    [minAccess],
  );
  return Number(rows[0]!.n);
}

export interface MysqlStatus {
  sessions: number;
  live: number;
  bytes: number;
  oldestAccess?: number;
}

export async function mysqlStatus(t: SessionTable, cutoff: number): Promise<MysqlStatus> {
  const { data, access } = t.columns;
  const a = mysql.escapeId(access);
  const [rows] = await t.conn.query<mysql.RowDataPacket[]>(
    `SELECT COUNT(*) AS n, COALESCE(SUM(${a} > ?), 0) AS live, COALESCE(SUM(LENGTH(${mysql.escapeId(data)})), 0) AS bytes, MIN(${a}) AS oldest
      FROM ${mysql.escapeId(t.table)}`,
    [cutoff],
  );
  const r = rows[0]!;
  return { sessions: Number(r.n), live: Number(r.live), bytes: Number(r.bytes), ...(r.oldest == null ? {} : { oldestAccess: Number(r.oldest) }) };
}
