import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Loopback stand-ins for the two AWS endpoints an instance asks at boot, which have no emulator:
 * the instance metadata service (IMDSv2: a PUT for a session token, then GETs that carry it; tags
 * under tags/instance/) and SSM's GetParameters (JSON 1.1 protocol), each shaped from its AWS
 * reference: 401 without a token, 404 for what the instance lacks; Parameters + InvalidParameters.
 */
export interface StandIn {
  url: string;
  close(): Promise<void>;
  requests: string[];
}

async function serve(handler: (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void): Promise<StandIn> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      requests.push(`${req.method} ${req.url}`);
      handler(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((r) => server.close(() => r())) };
}

/** IMDSv2 for one instance: `meta` maps meta-data paths (`instance-id`, `tags/instance/shelfstack:slot`, ...) to values. */
export function startImds(meta: Record<string, string>): Promise<StandIn> {
  const token = randomBytes(16).toString('hex');
  return serve((req, _body, res) => {
    if (req.method === 'PUT' && req.url === '/latest/api/token') {
      if (!req.headers['x-aws-ec2-metadata-token-ttl-seconds']) return void res.writeHead(400).end();
      return void res.writeHead(200, { 'content-type': 'text/plain' }).end(token);
    }
    if (req.headers['x-aws-ec2-metadata-token'] !== token) return void res.writeHead(401).end();
    const key = decodeURIComponent(req.url?.replace(/^\/latest\/meta-data\//, '') ?? '');
    if (req.method !== 'GET' || meta[key] === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/plain' }).end(meta[key]);
  });
}

/** SSM Parameter Store holding `params` (name → SecureString value), answering GetParameters only. */
export function startSsm(params: Record<string, string>, region = 'us-east-1'): Promise<StandIn> {
  return serve((req, body, res) => {
    const json = (status: number, doc: unknown) => res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(doc));
    if (req.headers['x-amz-target'] !== 'AmazonSSM.GetParameters') return json(400, { __type: 'UnknownOperationException' });
    const { Names, WithDecryption } = JSON.parse(body) as { Names: string[]; WithDecryption?: boolean };
    if (!Array.isArray(Names) || Names.length < 1 || Names.length > 10) return json(400, { __type: 'ValidationException', message: 'Names must hold 1 to 10 names' });
    json(200, {
      Parameters: Names.filter((n) => params[n] !== undefined).map((Name) => ({
        Name,
        Type: 'SecureString',
        // Without decryption a SecureString comes back as its ciphertext.
        Value: WithDecryption ? params[Name] : Buffer.from(`kms:${params[Name]}`).toString('base64'),
        Version: 1,
        LastModifiedDate: 1767225600,
        ARN: `arn:aws:ssm:${region}:123456789012:parameter${Name}`,
        DataType: 'text',
      })),
      InvalidParameters: Names.filter((n) => params[n] === undefined),
    });
  });
}
