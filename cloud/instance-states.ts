import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';

// DescribeInstances accepts up to 200 values per filter.
const BATCH = 200;
const GONE = new Set(['shutting-down', 'terminated']);

/**
 * Which of these instance ids still exist (any state but shutting-down or terminated). A filter,
 * not InstanceIds: an unknown id then simply does not come back instead of failing the call.
 */
export async function existingInstances(ec2: EC2Client, ids: readonly string[]): Promise<Set<string>> {
  const existing = new Set<string>();
  for (let i = 0; i < ids.length; i += BATCH) {
    let token: string | undefined;
    do {
      const page = await ec2.send(
        new DescribeInstancesCommand({ Filters: [{ Name: 'instance-id', Values: ids.slice(i, i + BATCH) }], NextToken: token }),
      );
      for (const r of page.Reservations ?? []) {
        for (const inst of r.Instances ?? []) {
          if (inst.InstanceId && !GONE.has(inst.State?.Name ?? '')) existing.add(inst.InstanceId);
        }
      }
      token = page.NextToken;
    } while (token);
  }
  return existing;
}
