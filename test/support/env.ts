// Every test process gets dummy credentials and the overrides that keep the SDK away from the
// instance metadata service (169.254.169.254 is not loopback).
// s3rver accepts only this dummy key pair.
process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
process.env.AWS_REGION = 'us-east-1';
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.SHELFSTACK_INSTANCE_ID ??= 'i-0test0000000000000';
process.env.SHELFSTACK_ROLE ??= 'web';
process.env.POWERTOOLS_DEV = 'false';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
delete process.env.AWS_PROFILE;
// AWS services with no emulator here: unless a test points them at a stand-in, they answer from a
// closed loopback port, so a call that slips through fails at once instead of leaving the machine.
for (const service of ['SSM', 'EC2', 'ROUTE_53', 'STS']) process.env[`AWS_ENDPOINT_URL_${service}`] ??= 'http://127.0.0.1:9';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// The control-plane functions read their configuration when loaded, as in Lambda.
process.env.SHELFSTACK_CLUSTER ??= 'test';
process.env.SHELFSTACK_BUCKET ??= 'shelfstack-test';
// Before any test module runs (and mocks a client): AWS calls can be put under a role (support/iam).
require('./iam/install').install();
