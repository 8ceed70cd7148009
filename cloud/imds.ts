/**
 * The EC2 instance metadata service, IMDSv2: a session token (PUT), then GETs with it. Only
 * `shelfstack init`/`agent` on EC2 call this; tests and the local rehearsal set
 * SHELFSTACK_INSTANCE_ID and SHELFSTACK_ROLE, which win, so the metadata address is never contacted.
 */
const IMDS = 'http://169.254.169.254';
const TIMEOUT_MS = 2000;

/** The SDK's own variable for the metadata endpoint; tests point it at a loopback stand-in. */
function endpoint(): string {
  return (process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT || IMDS).replace(/\/+$/, '');
}

export class MetadataError extends Error {
  override name = 'MetadataError';
}

async function token(): Promise<string> {
  const res = await fetch(`${endpoint()}/latest/api/token`, {
    method: 'PUT',
    headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '300' },
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (!res.ok) throw new MetadataError(`IMDSv2 token request answered ${res.status}`);
  return res.text();
}

async function get(path: string, session: string): Promise<string | undefined> {
  const res = await fetch(`${endpoint()}/latest/meta-data/${path}`, {
    headers: { 'X-aws-ec2-metadata-token': session },
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new MetadataError(`metadata ${path} answered ${res.status}`);
  return (await res.text()).trim();
}

export interface InstanceMetadata {
  instanceId: string;
  role: string | undefined;
  /** The `shelfstack:slot` tag (`www1`, `db`), absent on surge and FTP servers. */
  slot?: string;
  /** The public IPv4 address, else the private one (what FTP's passive mode announces). */
  address?: string;
}

/** The instance id, its `shelfstack:role` and `shelfstack:slot` tags (tags in metadata must be enabled), its address. */
export async function readInstanceMetadata(): Promise<InstanceMetadata> {
  try {
    const session = await token();
    const instanceId = await get('instance-id', session);
    if (!instanceId) throw new MetadataError('metadata has no instance-id');
    const role = await get('tags/instance/shelfstack:role', session);
    const slot = await get('tags/instance/shelfstack:slot', session);
    const address = (await get('public-ipv4', session)) ?? (await get('local-ipv4', session));
    return { instanceId, role, slot, address };
  } catch (e: unknown) {
    if (e instanceof MetadataError) throw e;
    throw new MetadataError(`instance metadata unreachable (set SHELFSTACK_INSTANCE_ID and SHELFSTACK_ROLE off EC2): ${(e as Error).message}`, { cause: e });
  }
}

/** The instance's private IPv4 address (the cache server binds memcached to it). */
export async function readPrivateAddress(): Promise<string> {
  try {
    const address = await get('local-ipv4', await token());
    if (!address) throw new MetadataError('metadata has no local-ipv4');
    return address;
  } catch (e: unknown) {
    if (e instanceof MetadataError) throw e;
    throw new MetadataError(`instance metadata unreachable (set SHELFSTACK_MEMCACHED_ADDRESS off EC2): ${(e as Error).message}`, { cause: e });
  }
}
