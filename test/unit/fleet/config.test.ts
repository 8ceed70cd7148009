import { loadConfig } from '../../../core/config';

describe('fleet configuration', () => {
  it('defaults the grace periods, probe port and rules, and reads durations with units', () => {
    expect(loadConfig({}, ['healthGrace', 'drainGrace', 'healthPort', 'scaleRules'])).toEqual({ healthGrace: 300, drainGrace: 120, healthPort: 80, scaleRules: [] });
    expect(loadConfig({ SHELFSTACK_DRAIN_GRACE: '5m' }, ['drainGrace']).drainGrace).toBe(300);
  });

  it('names the variable at fault', () => {
    expect(() => loadConfig({ SHELFSTACK_SCALE_RULES: '[{"name":"n"}]' }, ['scaleRules'])).toThrow(/^SHELFSTACK_SCALE_RULES invalid rule "n" out/);
    expect(() => loadConfig({ SHELFSTACK_HEALTH_GRACE: 'soon' }, ['healthGrace'])).toThrow(/^SHELFSTACK_HEALTH_GRACE must be a duration/);
    expect(() => loadConfig({}, ['zoneId'])).toThrow('SHELFSTACK_ZONE_ID is required but not set');
  });

  it('reads the db slot settings: the device defaults to /dev/sdf, subnets are a comma list of ids', () => {
    expect(loadConfig({ SHELFSTACK_SUBNETS: 'subnet-0aaaa1111, subnet-0bbbb2222' }, ['dbDevice', 'subnets'])).toEqual({
      dbDevice: '/dev/sdf',
      subnets: ['subnet-0aaaa1111', 'subnet-0bbbb2222'],
    });
    expect(() => loadConfig({ SHELFSTACK_SUBNETS: 'subnet-0aaaa1111,eu-west-1a' }, ['subnets'])).toThrow(/^SHELFSTACK_SUBNETS must be subnet ids/);
    expect(() => loadConfig({ SHELFSTACK_DB_DEVICE: '/dev/sda1' }, ['dbDevice'])).toThrow(/^SHELFSTACK_DB_DEVICE must be a device name/);
    expect(() => loadConfig({}, ['dbLaunchTemplate'])).toThrow('SHELFSTACK_DB_LAUNCH_TEMPLATE is required but not set');
  });
});
