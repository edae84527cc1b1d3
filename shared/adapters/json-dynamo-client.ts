// The authorizer's DynamoDB client: the SDK-free one (shared/aws/json-client.ts), given the
// authorizer's call deadline, on DynamoDB Local when an endpoint is configured. The authorizer's
// runtime makes its client here, and the benchmark makes its own the same way to compare with it.
import { AwsJsonClient, DYNAMODB } from '#aws/json-client';
import { AUTHORIZER_CALL_DEADLINE_MS } from '#spec/functions';
import { localClientConfig } from './config';

export function jsonDynamoClient(endpoint: string | undefined): AwsJsonClient {
  return new AwsJsonClient(DYNAMODB, {
    deadlineMs: AUTHORIZER_CALL_DEADLINE_MS,
    ...(endpoint ? localClientConfig(endpoint) : {}),
  });
}
