import { EC2Client } from '@aws-sdk/client-ec2';
import { Route53Client } from '@aws-sdk/client-route-53';

/** The fleet's default clients, built once per process (see clients.ts for why they live apart). */
let ec2: EC2Client | undefined;
let route53: Route53Client | undefined;

export function defaultEc2(): EC2Client {
  ec2 ??= new EC2Client({});
  return ec2;
}

export function defaultRoute53(): Route53Client {
  // Route 53 is a global service with one endpoint; the SDK signs for us-east-1 whatever AWS_REGION says.
  route53 ??= new Route53Client({});
  return route53;
}
