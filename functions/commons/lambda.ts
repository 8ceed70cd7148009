import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { ParsedResult } from '@aws-lambda-powertools/parser/types';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { ValidationError } from '../../core/errors';
import type { FleetLog } from './fleet';

/** A handler as Lambda, the tests and the local rehearsal call it (the rehearsal passes no context). */
export type LambdaHandler<E, R> = (event: E, context?: Context) => Promise<R>;

export const METRICS_NAMESPACE = 'shelfstack';
export const HEALTHY_WEB_METRIC = 'HealthyWebServers';
export const RUNS_METRIC = 'Runs';

/** A function's metrics: its own when it has some (dns), and the count of its runs by outcome. */
export interface FunctionMetrics {
  metrics?: Metrics;
  runs: Metrics;
}

/**
 * Powertools Metrics in the namespace and dimensions the alarms select on (serverless/resources/fleet.yml):
 * `cluster` alone, without the `service` dimension Powertools adds by default. `emit` replaces stdout
 * (tests, the CLI): Powertools writes EMF through a Console of its own that it exposes to no option.
 */
export function functionMetrics(cluster: string, fn: string, opts: { own?: boolean; emit?: (line: string) => void } = {}): FunctionMetrics {
  const make = (dimensions: Record<string, string>) => {
    const m = new Metrics({ namespace: METRICS_NAMESPACE });
    m.clearDefaultDimensions();
    m.setDefaultDimensions(dimensions);
    if (opts.emit) Object.assign(m, { console: { log: opts.emit } });
    return m;
  };
  return { metrics: opts.own ? make({ cluster }) : undefined, runs: make({ cluster, function: fn }) };
}

/** One `Runs` count per invocation, by outcome: what the response says, `malformed` or `failed`. */
function countRuns<R>(runs: Metrics, outcomeOf: (response: R) => string): MiddlewareObj {
  // Returns nothing: a middleware that returns a value replaces the response (and swallows an error).
  const count = (outcome: string): void => {
    runs.addDimension('outcome', outcome).addMetric(RUNS_METRIC, MetricUnit.Count, 1);
  };
  return {
    after: (request) => count(outcomeOf(request.response as R)),
    onError: (request) => count(request.error instanceof ValidationError ? 'malformed' : 'failed'),
  };
}

export interface Wiring<E, R> {
  logger: FleetLog;
  metrics?: FunctionMetrics;
  outcome?: (response: R) => string;
  use?: MiddlewareObj<E>[];
}

/**
 * A handler on middy: the Lambda context in every log line (request id, cold start, function name)
 * when the logger is Powertools', the function's metrics and its run count flushed after each run
 * (failed or not), then the function's own middlewares (a parser, the batch response).
 */
export function lambda<E, R, Out = R>(handler: (event: E, context: Context) => Promise<R>, w: Wiring<E, Out>): LambdaHandler<unknown, Out> {
  const h = middy(handler);
  if (w.logger instanceof Logger) h.use(injectLambdaContext(w.logger));
  if (w.metrics) {
    // After the handler: the run is counted, then logMetrics flushes the function's own metrics and the count.
    const { metrics, runs } = w.metrics;
    h.use(logMetrics(metrics ? [metrics, runs] : [runs])).use(countRuns<Out>(runs, w.outcome ?? (() => 'ok')));
  }
  (w.use ?? []).forEach((m) => h.use(m));
  // Any event goes in (the parser decides what it is); `Out` is what the middlewares make of the
  // handler's result (the listing's batch response).
  // middy gives a missing context a default ({}), as the rehearsal and the tests rely on.
  return h as unknown as LambdaHandler<unknown, Out>;
}

/**
 * The parsed event, or a logged `<eventName>` and a ValidationError (`<what>: <first issue>`): the
 * invocation fails and, after Lambda's retries, lands in the function's failure destination.
 */
export function parsedOrThrow<T>(parsed: ParsedResult<unknown, T>, logger: FleetLog, eventName: string, what: string): T {
  if (parsed.success) return parsed.data;
  const reason = `${what}: ${issueOf(parsed.error)}`;
  logger.error(eventName, { reason });
  throw new ValidationError(reason, { cause: parsed.error });
}

/** The first schema issue of a Powertools ParseError, as `path: message`. */
export function issueOf(error: Error): string {
  const issues = (error.cause ?? []) as { path?: readonly PropertyKey[]; message?: string }[];
  const first = Array.isArray(issues) ? issues[0] : undefined;
  if (!first) return error.message;
  const path = (first.path ?? []).map(String).join('.');
  return path ? `${path}: ${first.message}` : String(first.message);
}
