// DynamoDB clients, in AWS or on DynamoDB Local. A module of its own so that a function needing only
// a client (the audit functions) does not bundle the token store and the key ring with it.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localClientConfig } from './config';

/** A DynamoDB client; with an endpoint, one for DynamoDB Local. */
export function dynamoClient(endpoint?: string): DynamoDBClient {
  return new DynamoDBClient(endpoint ? localClientConfig(endpoint) : {});
}

export function documentClient(endpoint?: string): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(dynamoClient(endpoint), {
    marshallOptions: { removeUndefinedValues: true },
  });
}
