// The usage counters of this process, built once at module load from the environment.
import { readUsageConfig } from '#adapters/config';
import { documentClient } from '#adapters/dynamo-client';
import { DynamoUsageStore } from '#adapters/dynamo-usage-store';

const config = readUsageConfig();
export const usage = new DynamoUsageStore(documentClient(config.dynamoEndpoint), config.usageTable);
