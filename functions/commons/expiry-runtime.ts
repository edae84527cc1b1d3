// The expiry-warning scan of this process, built once at module load from the environment: the
// tokens table's expiry index, and the default EventBridge bus (locally, the events file in its place).
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { readConfig, readExpiryConfig } from '#adapters/config';
import { documentClient } from '#adapters/dynamo-client';
import { DynamoExpiryStore } from '#adapters/dynamo-expiry-store';
import { EventBridgeExpiryBus, FileExpiryBus } from '#adapters/expiry-event-bus';
import { ExpiryWarner } from '#domain/expiry-warning';

const config = readConfig();
export const expiryConfig = readExpiryConfig();

export const warner = new ExpiryWarner({
  store: new DynamoExpiryStore(documentClient(config.dynamoEndpoint), { tableName: config.tokensTable }),
  bus: expiryConfig.eventsFile
    ? new FileExpiryBus(expiryConfig.eventsFile)
    : new EventBridgeExpiryBus(new EventBridgeClient({})),
  windowMs: expiryConfig.windowSeconds * 1000,
});
