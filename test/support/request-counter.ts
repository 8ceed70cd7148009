import type { S3Client } from '@aws-sdk/client-s3';

/** Counts the commands an S3 client sends (by command name), to pin request budgets in tests. */
export function countRequests(s3: S3Client): { counts: Record<string, number>; reset(): void; total(): number } {
  const counts: Record<string, number> = {};
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? 'unknown';
      counts[name] = (counts[name] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: `requestCounter${Math.random()}` },
  );
  return {
    counts,
    reset: () => Object.keys(counts).forEach((k) => delete counts[k]),
    total: () => Object.values(counts).reduce((a, b) => a + b, 0),
  };
}
