import { loadConfig, parseBytes, parseConfigFile, parseSeconds } from '../../../core/config';
import { ConfigError } from '../../../core/errors';

describe('configuration', () => {
  it('reads required keys and applies defaults', () => {
    expect(loadConfig({ SHELFSTACK_CLUSTER: 'prod', SHELFSTACK_BUCKET: 'books-prod' }, ['cluster', 'bucket', 'ttl'])).toEqual({
      cluster: 'prod',
      bucket: 'books-prod',
      ttl: 300,
    });
  });

  it('names the missing variable', () => {
    expect(() => loadConfig({ SHELFSTACK_CLUSTER: 'prod' }, ['cluster', 'bucket'])).toThrow(new ConfigError('SHELFSTACK_BUCKET', 'is required but not set'));
  });

  it('names the malformed variable and what it got', () => {
    expect(() => loadConfig({ SHELFSTACK_TTL: 'soon' }, ['ttl'])).toThrow(/^SHELFSTACK_TTL must be a positive integer \(got "soon"\)$/);
    expect(() => loadConfig({ SHELFSTACK_CLUSTER: 'Prod_1' }, ['cluster'])).toThrow(/^SHELFSTACK_CLUSTER /);
    expect(() => loadConfig({ SHELFSTACK_CLUSTER: 'prod-signal' }, ['cluster'])).toThrow(/without "signal"/);
  });

  it('parses optional keys only when they are set', () => {
    expect(loadConfig({}, [], ['cacheMaxBytes'])).toEqual({});
    expect(loadConfig({ SHELFSTACK_CACHE_MAX_BYTES: '20G' }, [], ['cacheMaxBytes'])).toEqual({ cacheMaxBytes: 20 * 1024 ** 3 });
  });

  it('reads sizes and durations as operators write them', () => {
    expect(parseBytes('500000')).toBe(500000);
    expect(parseBytes('1.5M')).toBe(1572864);
    expect(parseSeconds('90m')).toBe(5400);
    expect(parseSeconds('7d')).toBe(604800);
    expect(() => parseSeconds('a week')).toThrow();
  });

  it('reads KEY=VALUE config files and points at a bad line', () => {
    expect(parseConfigFile('# c\nSHELFSTACK_BUCKET="b-1"\nexport SHELFSTACK_TTL=60\n', 'f')).toEqual({ SHELFSTACK_BUCKET: 'b-1', SHELFSTACK_TTL: '60' });
    expect(() => parseConfigFile('oops', 'site.env')).toThrow(/^site.env:1 is not a KEY=VALUE line$/);
  });

  it('never echoes the value of a secret variable, only what is wrong with it', () => {
    expect(() => loadConfig({ SHELFSTACK_SIGNING_KEY: 'hunter2short' }, ['signingKey'])).toThrow(/^SHELFSTACK_SIGNING_KEY must be at least 16 characters$/);
    expect(() => loadConfig({ SHELFSTACK_SIGNING_KEY_PREVIOUS: 'hunter2short' }, [], ['signingKeyPrevious'])).not.toThrow(/hunter2/);
    expect(() => loadConfig({ SHELFSTACK_SESSIONS_MYSQL_URL: 'http://shop:hunter22@db/store' }, ['sessionsMysqlUrl'])).toThrow(/^SHELFSTACK_SESSIONS_MYSQL_URL must be mysql:/);
    // A variable that is not secret still shows what it got, which is what helps fix a typo.
    expect(() => loadConfig({ SHELFSTACK_BUCKET: 'Bad_Bucket' }, ['bucket'])).toThrow(/\(got "Bad_Bucket"\)/);
  });

  it('names every variable at fault at once with allErrors, and only the first without', () => {
    const env = { SHELFSTACK_CACHE_MAX_BYTES: '0', SHELFSTACK_SIGNING_KEY: 'short' };
    const keys = ['bucket', 'listingDir', 'cacheMaxBytes', 'signingKey'] as const;
    expect(() => loadConfig(env, keys)).toThrow(/^SHELFSTACK_BUCKET is required but not set$/);
    let caught: unknown;
    try {
      loadConfig(env, keys, [], { allErrors: true });
    } catch (e: unknown) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const lines = (caught as Error).message.split('\n');
    expect(lines.slice(1)).toEqual([
      '  SHELFSTACK_BUCKET is required but not set',
      '  SHELFSTACK_LISTING_DIR is required but not set',
      '  SHELFSTACK_CACHE_MAX_BYTES must be more than 0 bytes (got "0")',
      '  SHELFSTACK_SIGNING_KEY must be at least 16 characters',
    ]);
    expect(loadConfig({ SHELFSTACK_BUCKET: 'books-prod' }, ['bucket'], [], { allErrors: true })).toEqual({ bucket: 'books-prod' });
  });

  it('defaults the cache age limit to 7 days and refuses an empty budget or age', () => {
    expect(loadConfig({}, ['cacheMaxAge'])).toEqual({ cacheMaxAge: 7 * 86400 });
    expect(() => loadConfig({ SHELFSTACK_CACHE_MAX_AGE: '0d' }, ['cacheMaxAge'])).toThrow(/^SHELFSTACK_CACHE_MAX_AGE must be more than 0 seconds/);
    expect(() => loadConfig({}, ['cacheMaxBytes'])).toThrow(/^SHELFSTACK_CACHE_MAX_BYTES is required but not set$/);
  });

  it('reads 20G, 20GB and 20GiB as the same binary size, and refuses other spellings', () => {
    for (const raw of ['20G', '20GB', '20GiB', '20 gb']) expect(parseBytes(raw)).toBe(20 * 1024 ** 3);
    expect(parseBytes('512B')).toBe(512);
    for (const bad of ['20 gigs', 'G', '20GiBB', '-1G', '20Bi']) expect(() => parseBytes(bad)).toThrow(/must be a size such as 20G, 20GB or 500000000/);
  });
});
