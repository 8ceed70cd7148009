import { randomUUID } from 'node:crypto';
import { ApiError } from '../errors';
import type { FleetContext } from '../context';
import type { Route } from '../http';
import { children, escapeXml } from '../xml';
import { allocateAddress, associateAddress, describeAddresses, disassociateAddress } from './addresses';
import { describeInstances, describeInstanceStatus } from './describe-instances';
import { startInstances, stopInstances, terminateInstances } from './instance-actions';
import { parseQuery, str, type QObject } from './query';
import { runInstances } from './run-instances';
import { describeSubnets } from './subnets';
import { createTags, deleteTags } from './tags';
import { createLaunchTemplate, createLaunchTemplateVersion, describeLaunchTemplates } from './templates';
import { attachVolume, createVolume, describeVolumes, detachVolume } from './volumes';

/** EC2's query protocol: a form-encoded POST (or GET) with `Action` and `Version`, an XML answer. */
export const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';
const VERSION = '2016-11-15';

type Handler = (ctx: FleetContext, q: QObject) => Record<string, unknown>;
const ACTIONS: Record<string, Handler> = {
  RunInstances: runInstances,
  DescribeInstances: describeInstances,
  DescribeInstanceStatus: describeInstanceStatus,
  TerminateInstances: terminateInstances,
  StopInstances: stopInstances,
  StartInstances: startInstances,
  CreateTags: createTags,
  DeleteTags: deleteTags,
  DescribeAddresses: describeAddresses,
  AllocateAddress: allocateAddress,
  AssociateAddress: associateAddress,
  DisassociateAddress: disassociateAddress,
  DescribeVolumes: describeVolumes,
  CreateVolume: createVolume,
  AttachVolume: attachVolume,
  DetachVolume: detachVolume,
  DescribeSubnets: describeSubnets,
  DescribeLaunchTemplates: describeLaunchTemplates,
  CreateLaunchTemplate: createLaunchTemplate,
  CreateLaunchTemplateVersion: createLaunchTemplateVersion,
};

function errorBody(code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
}

export function ec2Route(ctx: FleetContext, log: (line: Record<string, unknown>) => void): Route {
  return (req, body) => {
    const requestId = randomUUID();
    let action = '';
    try {
      const q = parseQuery(req.method === 'GET' ? new URL(req.url ?? '/', 'http://local').search.slice(1) : body);
      action = str(q, 'Action') ?? '';
      const handler = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
      if (!handler) throw new ApiError('InvalidAction', `The action ${action || '(none)'} is not valid for this web service.`);
      if (str(q, 'Version') !== VERSION) throw new ApiError('InvalidParameterValue', `Invalid API version: ${str(q, 'Version') ?? '(none)'}; this endpoint serves ${VERSION}`);
      if (str(q, 'DryRun') === 'true') throw new ApiError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
      const out = handler(ctx, q);
      log({ event: 'ec2_request', action, status: 200 });
      const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_NAMESPACE}"><requestId>${requestId}</requestId>${children(out)}</${action}Response>`;
      return { status: 200, body: xml };
    } catch (e: unknown) {
      if (e instanceof ApiError) {
        log({ event: 'ec2_request', action, status: e.status, code: e.code });
        return { status: e.status, body: errorBody(e.code, e.message, requestId) };
      }
      log({ event: 'ec2_internal_error', action, reason: e instanceof Error ? e.stack : String(e) });
      return { status: 500, body: errorBody('InternalError', 'An internal error has occurred', requestId) };
    }
  };
}
