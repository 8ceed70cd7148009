import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { fetchSecrets, renderEnvFile, secretsFor } from '../../instance/secrets';

// GetParameters answers in the shape of the SSM API reference: found ones in Parameters, the rest in InvalidParameters.
const ssm = mockClient(SSMClient);
const param = (Name: string, Value: string) => ({ Name, Value, Type: 'SecureString' as const, Version: 3, ARN: `arn:aws:ssm:eu-west-1:123456789012:parameter${Name}`, DataType: 'text' });
const client = new SSMClient({ region: 'eu-west-1' });

beforeEach(() => ssm.reset());

describe('instance secrets from SSM', () => {
  it('reads the role\'s parameters in one decrypted call and skips an absent optional one', async () => {
    ssm.on(GetParametersCommand).resolves({
      Parameters: [param('/shelfstack/main/signing-key', 'k'.repeat(32)), param('/shelfstack/main/db-password', 'pw')],
      InvalidParameters: ['/shelfstack/main/signing-key-previous'],
    });
    await expect(fetchSecrets(client, 'main', ['web'])).resolves.toEqual({ SHELFSTACK_SIGNING_KEY: 'k'.repeat(32), SHELFSTACK_DB_PASSWORD: 'pw' });
    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 1);
    expect(ssm).toHaveReceivedCommandWith(GetParametersCommand, {
      Names: ['/shelfstack/main/signing-key', '/shelfstack/main/signing-key-previous', '/shelfstack/main/db-password'],
      WithDecryption: true,
    });
  });

  it('stops naming a missing required parameter, and a value a file cannot carry, never the value', async () => {
    ssm.on(GetParametersCommand).resolves({ Parameters: [], InvalidParameters: ['/shelfstack/main/db-password'] });
    await expect(fetchSecrets(client, 'main', ['db', 'repl'])).rejects.toThrow('SSM parameter /shelfstack/main/db-password is required but does not exist');
    ssm.on(GetParametersCommand).resolves({ Parameters: [param('/shelfstack/main/db-password', "it's-secret")] });
    const e = await fetchSecrets(client, 'main', ['db']).catch((x: unknown) => x as Error);
    expect(e.message).toBe('SSM parameter /shelfstack/main/db-password is empty or holds a quote or line break');
    expect(e.message).not.toContain('secret');
    ssm.on(GetParametersCommand).resolves({ Parameters: [param('/shelfstack/main/signing-key', 'short-key'), param('/shelfstack/main/db-password', 'pw')] });
    await expect(fetchSecrets(client, 'main', ['web'])).rejects.toThrow(/^SSM parameter \/shelfstack\/main\/signing-key must be at least 16 characters$/);
  });

  it('wraps a refused call with the names it asked for', async () => {
    ssm.on(GetParametersCommand).rejects(Object.assign(new Error('User is not authorized to perform: ssm:GetParameters'), { name: 'AccessDeniedException' }));
    await expect(fetchSecrets(client, 'main', ['db'])).rejects.toThrow(/cannot read SSM parameters \/shelfstack\/main\/db-password: AccessDeniedException/);
  });

  it('asks nothing for a role without secrets, and merges roles that share one', async () => {
    await expect(fetchSecrets(client, 'main', ['ftp'])).resolves.toEqual({});
    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 0);
    expect(secretsFor(['web', 'db']).find((s) => s.name === 'db-password')!.env).toEqual(['SHELFSTACK_DB_PASSWORD', 'MYSQL_PWD']);
    expect(renderEnvFile({ B: 'x "y" $z', A: 'a' })).toBe("A='a'\nB='x \"y\" $z'\n");
  });
});
