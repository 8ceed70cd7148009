/**
 * One CloudWatch metric as an Embedded Metric Format log line: Lambda's log stream turns it into a
 * metric, with no SDK call and no dependency.
 */
export function emfLine(namespace: string, name: string, value: number, dimensions: Record<string, string>, now: Date): string {
  return JSON.stringify({
    _aws: {
      Timestamp: now.getTime(),
      CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [Object.keys(dimensions)], Metrics: [{ Name: name, Unit: 'Count' }] }],
    },
    ...dimensions,
    [name]: value,
  });
}

export const METRICS_NAMESPACE = 'shelfstack';
export const HEALTHY_WEB_METRIC = 'HealthyWebServers';
