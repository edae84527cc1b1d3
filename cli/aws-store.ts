// A direct store handle on a tokens table in AWS, reached with the caller's credentials from the SDK's
// default chain. The HMAC key ring's secret is named by TOKENGATE_KEY_SECRET_ID, or else by the
// table's own tag.
import {
  DescribeTableCommand,
  DynamoDBClient,
  ListTagsOfResourceCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { ENV } from '#spec/env';
import { KEY_SECRET_TAG } from '#spec/tables';
import { type DirectStore, servicesFromEnv } from './direct-store';
import { CliError } from './io';

export interface AwsStoreOptions {
  table: string;
  region?: string | undefined;
}

async function tableArn(client: DynamoDBClient, table: string): Promise<string> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
    if (!Table?.TableArn) throw new CliError(`DynamoDB described table ${table} without its ARN`);
    return Table.TableArn;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) {
      throw new CliError(`No DynamoDB table ${table} in region ${await client.config.region()}`);
    }
    throw error;
  }
}

async function tagValue(client: DynamoDBClient, arn: string, key: string): Promise<string | undefined> {
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListTagsOfResourceCommand({ ResourceArn: arn, NextToken: nextToken }));
    const tag = page.Tags?.find((candidate) => candidate.Key === key);
    if (tag) return tag.Value;
    nextToken = page.NextToken;
  } while (nextToken);
  return undefined;
}

/** The Secrets Manager secret holding the table's HMAC key ring. Fails if the table does not exist. */
export async function keySecretIdFor(
  client: DynamoDBClient,
  table: string,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const arn = await tableArn(client, table);
  const secretId = env[ENV.keySecretId] || (await tagValue(client, arn, KEY_SECRET_TAG));
  if (!secretId) {
    throw new CliError(
      `Table ${table} has no ${KEY_SECRET_TAG} tag naming its HMAC key secret; set ${ENV.keySecretId}`,
    );
  }
  return secretId;
}

export async function openAwsStore(options: AwsStoreOptions, env: NodeJS.ProcessEnv): Promise<DirectStore> {
  // The shared services take their region from the environment, as in Lambda: --region overrides it
  // for every client this process makes.
  if (options.region) process.env.AWS_REGION = options.region;
  const client = new DynamoDBClient(options.region ? { region: options.region } : {});
  const region = await client.config.region().catch(() => undefined);
  if (!region) {
    client.destroy();
    throw new CliError('No AWS region: pass --region, or set AWS_REGION or a region in your AWS profile');
  }
  try {
    const secretId = await keySecretIdFor(client, options.table, env);
    return {
      description: `table ${options.table} in AWS region ${region}`,
      services: servicesFromEnv({
        [ENV.tokensTable]: options.table,
        [ENV.keySecretId]: secretId,
        [ENV.retentionDays]: env[ENV.retentionDays],
      }),
      close: async () => {},
    };
  } finally {
    client.destroy();
  }
}
