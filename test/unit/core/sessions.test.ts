import fc from 'fast-check';
import { loadConfig } from '../../../core/config';
import {
  memcachedExpiry, parseHostPort, parseMysqlUrl, parseSessionColumns, RELATIVE_EXPIRY_LIMIT, sessionKey,
} from '../../../core/sessions';
import { renderMemcachedConf, renderSessionsIni } from '../../../instance/provision/sessions';

describe('sessions settings', () => {
  it('defaults to MySQL sessions, the store\'s columns, PHP\'s lifetime and php-memcached\'s prefix', () => {
    const c = loadConfig({}, ['sessions', 'sessionsTable', 'sessionsColumns', 'sessionsLifetime', 'memcached', 'sessionsPrefix']);
    expect(c).toEqual({
      sessions: 'mysql', sessionsTable: 'sessions', sessionsColumns: { id: 'id', data: 'data', access: 'access' },
      sessionsLifetime: 1440, memcached: { host: 'cacheserver', port: 11211 }, sessionsPrefix: 'memc.sess.key.',
    });
  });

  it('reads a MySQL URL with or without a password, and never repeats a bad one', () => {
    expect(parseMysqlUrl('mysql://shop:p%40ss@db.internal:3307/store')).toEqual({ host: 'db.internal', port: 3307, user: 'shop', password: 'p@ss', database: 'store' });
    expect(parseMysqlUrl('mysql://shop@dbserver/store')).toEqual({ host: 'dbserver', port: 3306, user: 'shop', database: 'store' });
    for (const bad of ['postgres://u:hunter22@h/db', 'mysql://u:hunter22@h/', 'hunter22']) {
      expect(() => loadConfig({ SHELFSTACK_SESSIONS_MYSQL_URL: bad }, ['sessionsMysqlUrl'])).toThrow(/^SHELFSTACK_SESSIONS_MYSQL_URL must be/);
      expect(() => parseMysqlUrl(bad)).not.toThrow(/hunter22/);
    }
  });

  it('refuses columns that are not three distinct names, and a bad store or memcached address', () => {
    expect(parseSessionColumns('sess_id, sess_data ,sess_time')).toEqual({ id: 'sess_id', data: 'sess_data', access: 'sess_time' });
    expect(() => parseSessionColumns('id,data')).toThrow();
    expect(() => parseSessionColumns('id,id,access')).toThrow();
    expect(() => parseSessionColumns('id,data,`x`')).toThrow();
    expect(() => loadConfig({ SHELFSTACK_SESSIONS: 'redis' }, ['sessions'])).toThrow(/^SHELFSTACK_SESSIONS must be mysql or memcached/);
    expect(parseHostPort('10.0.0.5:11311')).toEqual({ host: '10.0.0.5', port: 11311 });
    expect(parseHostPort('cacheserver')).toEqual({ host: 'cacheserver', port: 11211 });
    expect(() => parseHostPort('a b:1')).toThrow();
  });
});

describe('the memcached side of a session', () => {
  it('is keyed as php-memcached reads it, and refuses what memcached cannot hold', () => {
    expect(sessionKey('memc.sess.key.', 'abc123')).toBe('memc.sess.key.abc123');
    expect(sessionKey('memc.sess.key.', 'has space')).toBeUndefined();
    expect(sessionKey('memc.sess.key.', 'x'.repeat(240))).toBeUndefined();
    expect(sessionKey('memc.sess.key.', '')).toBeUndefined();
  });

  it('expires when MySQL\'s lifetime would have ended: the seconds left, or a Unix time past 30 days', () => {
    expect(memcachedExpiry(1000, 1440, 1000)).toBe(1440);
    expect(memcachedExpiry(1000, 1440, 2439)).toBe(1);
    expect(memcachedExpiry(1000, 1440, 2440)).toBeUndefined();
    fc.assert(fc.property(fc.integer({ min: 1_600_000_000, max: 1_900_000_000 }), fc.integer({ min: 1, max: 400 * 86400 }), fc.integer({ min: 0, max: 400 * 86400 }),
      (access, lifetime, elapsed) => {
        const exp = memcachedExpiry(access, lifetime, access + elapsed);
        if (elapsed >= lifetime) return exp === undefined;
        // Relative expiries end at now + exp; absolute ones are the end itself.
        const end = exp! > RELATIVE_EXPIRY_LIMIT ? exp! : access + elapsed + exp!;
        return end === access + lifetime;
      }));
  });
});

describe('the rendered settings', () => {
  it('PHP\'s ini names php-memcached\'s handler, the cache server, the lifetime and the prefix; none for mysql', () => {
    const ini = renderSessionsIni({ store: 'memcached', memcached: { host: 'cacheserver', port: 11211 }, lifetime: 3600, prefix: 'memc.sess.key.' })!;
    expect(ini).toMatch(/^session\.save_handler = memcached$/m);
    expect(ini).toMatch(/^session\.save_path = "cacheserver:11211"$/m);
    expect(ini).toMatch(/^session\.gc_maxlifetime = 3600$/m);
    expect(ini).toMatch(/^memcached\.sess_prefix = "memc\.sess\.key\."$/m);
    expect(renderSessionsIni({ store: 'mysql', memcached: { host: 'x', port: 1 }, lifetime: 1, prefix: '' })).toBeUndefined();
  });

  it('memcached listens on the given address only, with its memory in MB and UDP off', () => {
    const conf = renderMemcachedConf({ address: '10.0.3.7', port: 11211, memoryBytes: 1024 ** 3 });
    expect(conf.split('\n').filter((l) => l.startsWith('-'))).toEqual(['-u memcache', '-l 10.0.3.7', '-p 11211', '-U 0', '-m 1024', '-c 4096', '-P /var/run/memcached/memcached.pid']);
  });
});
