import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { isFtpRole, type FtpRole } from '../../core/ftp-ingest';
import { ValidationError } from '../../core/errors';
import { readIfExists, writeFileAtomic } from '../atomic-file';

/** The FTP users file: `{"users": [{"user", "role", "hash"}]}`, hash = `scrypt$N$r$p$<salt b64>$<key b64>`. */
export interface FtpUser {
  user: string;
  role: FtpRole;
  hash: string;
}

const PARAMS = { N: 16384, r: 8, p: 1 };
const KEY_BYTES = 32;
const USER_PATTERN = /^[a-z][a-z0-9._-]{1,31}$/;

function derive(password: string, salt: Buffer, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, KEY_BYTES, opts, (e, key) => (e ? reject(e) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS);
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = hash.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await derive(password, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p), maxmem: 256 * 1024 * 1024 });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export async function loadUsers(file: string): Promise<FtpUser[]> {
  const text = await readIfExists(file);
  if (text === undefined) return [];
  const raw = JSON.parse(text) as { users?: FtpUser[] };
  const users = raw.users ?? [];
  for (const u of users) {
    if (!USER_PATTERN.test(u.user) || !isFtpRole(u.role) || !u.hash?.startsWith('scrypt$')) {
      throw new ValidationError(`${file}: bad entry for user ${JSON.stringify(u.user)}`);
    }
  }
  return users;
}

/** Adds a user, or replaces the password and role of an existing one. The file is written 0600. */
export async function addUser(file: string, user: string, password: string, role: string): Promise<'added' | 'updated'> {
  if (!USER_PATTERN.test(user)) throw new ValidationError(`user name must match ${USER_PATTERN}`);
  if (!isFtpRole(role)) throw new ValidationError(`role must be narrator, staff or partner (got ${JSON.stringify(role)})`);
  if (password.length < 8) throw new ValidationError('password must be at least 8 characters');
  const users = await loadUsers(file);
  const entry: FtpUser = { user, role, hash: await hashPassword(password) };
  const i = users.findIndex((u) => u.user === user);
  if (i >= 0) users[i] = entry;
  else users.push(entry);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, `${JSON.stringify({ users }, null, 2)}\n`, 0o600);
  return i >= 0 ? 'updated' : 'added';
}
