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
});
