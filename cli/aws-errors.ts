/**
 * What the AWS SDK throws when the settings are wrong, said as what to fix. The SDK's own words
 * ("Region is missing", "Could not load credentials from any providers") never name a variable.
 */
export function explainAwsError(e: unknown): string | undefined {
  if (!(e instanceof Error)) return undefined;
  const code = (e as NodeJS.ErrnoException).code ?? (e.cause as NodeJS.ErrnoException | undefined)?.code;
  if (/^Region is missing|^Region not accepted: region=""/.test(e.message)) return 'no AWS region: set AWS_REGION (e.g. AWS_REGION=eu-west-1), or source .shelfstack/local.env for the rehearsal';
  if (e.name === 'CredentialsProviderError') {
    return 'no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), or source .shelfstack/local.env for the rehearsal';
  }
  if (INVALID_CREDENTIALS.has(e.name)) return `AWS refused the credentials (${e.name}): check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN`;
  if (code === 'ECONNREFUSED') {
    const address = /ECONNREFUSED (\S+)/.exec(e.message)?.[1];
    return `nothing answers at ${address ?? 'the AWS endpoint'} (ECONNREFUSED): is the rehearsal (npm start) running, and do AWS_ENDPOINT_URL_* match its .shelfstack/local.env?`;
  }
  return undefined;
}

const INVALID_CREDENTIALS = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'AuthFailure',
  'InvalidSignatureException',
]);
