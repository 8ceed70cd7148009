import { createServer, type Server } from 'node:http';
import { servedOnLoopback } from './emulators';

/**
 * The rehearsal's SSM Parameter Store, for the one call an instance makes: `shelfstack init`'s
 * GetParameters (JSON 1.1 protocol) of its role's secrets. So init runs unchanged, and its SSM
 * step reads the local signing key and db password instead of reaching AWS. Any other action
 * answers as SSM does to an unknown operation.
 */
export interface LocalSsm {
  endpoint: string;
  close(): Promise<void>;
}

export async function startLocalSsm(parameters: Record<string, string>, opts: { host?: string; port?: number } = {}): Promise<LocalSsm> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(body));
      };
      const target = String(req.headers['x-amz-target'] ?? '');
      if (target !== 'AmazonSSM.GetParameters') return reply(400, { __type: 'UnknownOperationException', message: `the local SSM answers only GetParameters, not ${target}` });
      let names: string[] = [];
      try {
        names = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Names?: string[] }).Names ?? [];
      } catch {
        return reply(400, { __type: 'SerializationException', message: 'malformed JSON' });
      }
      const known = names.filter((n) => n in parameters);
      reply(200, {
        Parameters: known.map((Name) => ({ Name, Type: 'SecureString', Value: parameters[Name], Version: 1, DataType: 'text', LastModifiedDate: 0, ARN: `arn:aws:ssm:us-east-1:000000000000:parameter${Name}` })),
        InvalidParameters: names.filter((n) => !(n in parameters)),
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  return servedOnLoopback(server);
}
