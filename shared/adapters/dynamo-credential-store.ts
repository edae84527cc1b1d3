// The credential store on DynamoDB, through the SDK-free JSON client (shared/aws/json-client.ts):
// the authorizer's one strongly consistent GetItem per uncached check, and its `last_used_at` write.
import { fromItem, type Item } from '#aws/attribute-value';
import { type AwsJsonClient, AwsServiceError } from '#aws/json-client';
import type { Credential, CredentialStore } from '#domain/token-store';
import { TOKEN_ATTRIBUTES as A } from '#spec/tables';
import { CREDENTIAL_ATTRIBUTES, itemToCredential } from './token-item';

/** The attributes of a whole token item that make its credential: only these are decoded. */
function credentialPart(item: Item): Item {
  const part: Item = {};
  for (const name of CREDENTIAL_ATTRIBUTES) {
    const value = item[name];
    if (value !== undefined) part[name] = value;
  }
  return part;
}

export class DynamoCredentialStore implements CredentialStore {
  constructor(
    private readonly client: AwsJsonClient,
    private readonly table: string,
  ) {}

  // No ProjectionExpression: DynamoDB bills a read by the whole item anyway, and parsing one costs
  // the authorizer time on every uncached check (bench/: 1.16x a bare GetItem with it, 1.08x without).
  // Of the item read whole, only the credential's attributes are decoded (search text, sort keys and
  // stamp are not), which halves what `unmarshall` does on every check.
  async getCredential(id: string): Promise<Credential | null> {
    const { Item } = await this.client.call<{ Item?: Item }>('GetItem', {
      TableName: this.table,
      Key: { id: { S: id } },
      ConsistentRead: true,
    });
    return Item ? itemToCredential(fromItem(credentialPart(Item))) : null;
  }

  async touchLastUsed(id: string, at: string, notBefore: string): Promise<void> {
    try {
      await this.client.call('UpdateItem', {
        TableName: this.table,
        Key: { id: { S: id } },
        UpdateExpression: `SET ${A.last_used_at} = :at`,
        ConditionExpression: `attribute_exists(${A.id}) AND (attribute_not_exists(${A.last_used_at}) OR ${A.last_used_at} < :nb)`,
        ExpressionAttributeValues: { ':at': { S: at }, ':nb': { S: notBefore } },
      });
    } catch (error) {
      if (!(error instanceof AwsServiceError && error.code === 'ConditionalCheckFailedException'))
        throw error;
    }
  }
}
