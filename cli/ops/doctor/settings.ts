import { configKeys, envName, readConfig, type Env } from '../../../core/config';
import { countOf } from '../../plural';
import { fail, ok, type CheckResult } from './result';

/** The settings doctor needs (cluster, bucket) and every SHELFSTACK_* variable that is set, parsed as the verbs parse them. */
export function checkConfiguration(env: Env): { result: CheckResult; cluster?: string; bucket?: string } {
  const present = configKeys().filter((k) => env[envName(k)]?.trim());
  const { config, errors } = readConfig(env, ['cluster', 'bucket'], present);
  const result = errors.length
    ? fail('configuration', errors.map((e) => e.message).join('; '), 'set or correct these variables (README "Configuration"), or source .shelfstack/local.env for the rehearsal')
    : ok('configuration', `${countOf(present.length, 'SHELFSTACK_* variable')} set, all valid; cluster ${config.cluster}, bucket ${config.bucket}`);
  return { result, cluster: config.cluster, bucket: config.bucket };
}

/** Whether the fleet's settings are there: EC2 and Route 53 are checked only then. */
export function fleetConfigured(env: Env): boolean {
  return Boolean(env.SHELFSTACK_ZONE_ID?.trim() || env.SHELFSTACK_LAUNCH_TEMPLATE?.trim());
}

/** Where a service's requests go: the endpoint variable the SDK reads, or AWS itself. */
export function endpointOf(env: Env, service: 'S3' | 'SQS' | 'EC2' | 'ROUTE_53', region: string | undefined): string {
  const custom = env[`AWS_ENDPOINT_URL_${service}`]?.trim() || env.AWS_ENDPOINT_URL?.trim();
  if (custom) return custom;
  const host = service === 'ROUTE_53' ? 'route53.amazonaws.com' : `${service.toLowerCase()}.${region ?? '?'}.amazonaws.com`;
  return `https://${host}`;
}
