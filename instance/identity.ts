import { loadConfig, type Env } from '../core/config';
import { readInstanceMetadata } from '../cloud/imds';

export interface Identity {
  instanceId: string;
  roles: string[];
}

/**
 * Who this instance is: SHELFSTACK_INSTANCE_ID and SHELFSTACK_ROLE when both are set (tests, the
 * local rehearsal, an operator's override), otherwise the metadata service and the instance's tags.
 */
export async function resolveIdentity(env: Env, fromMetadata = readInstanceMetadata): Promise<Identity> {
  const set = loadConfig(env, [], ['instanceId', 'role']);
  if (set.instanceId && set.role) return { instanceId: set.instanceId, roles: set.role };
  const meta = await fromMetadata();
  // The tag goes through the same parser as the variable, so a bad tag fails with a clear name.
  const parsed = loadConfig(
    { SHELFSTACK_INSTANCE_ID: set.instanceId ?? meta.instanceId, SHELFSTACK_ROLE: set.role?.join(',') ?? meta.role },
    ['instanceId', 'role'],
  );
  return { instanceId: parsed.instanceId, roles: parsed.role };
}
