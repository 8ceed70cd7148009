import type { DashboardStatus } from '../../../cli/ops/dashboard/observe';
import type { StatusModel } from '../../../cli/ops/fleet-format';

/** A fleet in the middle of a failover: www2's replacement starting, the record about to change. */
export function failoverModel(): StatusModel {
  return {
    cluster: 'main',
    at: '2026-12-01T21:00:00.000Z',
    record: 'www.shelfstack.example.',
    instances: [
      { slot: 'www1', roles: ['web'], id: 'i-0a1b2c3d4e5f60001', state: 'running', health: 'healthy', privateIp: '10.0.2.11', publicIp: '198.51.100.1', flags: '' },
      { slot: 'www2', roles: ['web'], id: 'i-0a1b2c3d4e5f60009', state: 'pending', health: 'starting', privateIp: '10.0.2.19', flags: '' },
      { roles: ['db'], id: 'i-0a1b2c3d4e5f60010', state: 'running', health: 'healthy', privateIp: '10.0.1.10', flags: '' },
    ],
    dns: { current: { values: ['198.51.100.1', '198.51.100.2'], ttl: 300 }, desired: ['198.51.100.1'], ttl: 300, differs: true },
    addresses: [
      { slot: 'www1', publicIp: '198.51.100.1', allocationId: 'eipalloc-01', holder: 'i-0a1b2c3d4e5f60001', holderHealth: 'healthy' },
      { slot: 'www2', publicIp: '198.51.100.2', allocationId: 'eipalloc-02', holderHealth: '-' },
    ],
    volumes: [{ slot: 'db', id: 'vol-0db', state: 'in-use', availabilityZone: 'us-east-1a', instanceId: 'i-0a1b2c3d4e5f60010', device: '/dev/sdf', attachment: 'attached', holderHealth: 'healthy' }],
    dbWaiting: [],
    hosts: { written: true, lastModified: '2026-12-01T20:57:00.000Z', age: '3m ago', upToDate: false },
    listing: { manifests: 4000, newest: '2026-12-01T20:59:30.000Z', age: '30s ago' },
  };
}

export function failoverStatus(over: Partial<DashboardStatus> = {}): DashboardStatus {
  return {
    cluster: 'main',
    at: '2026-12-01T21:00:00.000Z',
    fleet: { ok: true, value: failoverModel() },
    queues: {
      ok: true,
      value: [
        { name: 'shelfstack-main-uploads', kind: 'work', visible: 12, inFlight: 3 },
        { name: 'shelfstack-main-uploads-dlq', kind: 'dead-letter', visible: 1, inFlight: 0 },
        { name: 'shelfstack-main-fleet-failures', kind: 'dead-letter', visible: 0, inFlight: 0 },
        { name: 'shelfstack-main-signal-i-0a1b2c3d4e5f60001', kind: 'signal', visible: 0, inFlight: 0 },
      ],
    },
    web: [
      { name: 'www1', url: 'http://127.0.0.1:8080/metrics', ok: true, value: { hits: 900, misses: 100, hitRatio: 0.9, bytesServed: 1_234_567_890 } },
      { name: 'www2', url: 'http://127.0.0.1:8081/metrics', ok: false, error: 'TimeoutError: The operation was aborted due to timeout' },
    ],
    ...over,
  };
}
