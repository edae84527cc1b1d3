// The credential store on DynamoDB, through the SDK-free JSON client (shared/aws/json-client.ts):
// the authorizer's one strongly consistent GetItem per uncached check, and its `last_used_at` write.
import { fromItem, type Item } from '#aws/attribute-value';
import { type AwsJsonClient, AwsServiceError } from '#aws/json-client';
import type { Credential, CredentialStore } from '#domain/token-store';
import { BoundedMap } from '#lib/bounded-map';
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

/** Tokens whose last decoded item this process keeps (a few MB at most). */
const DECODED_LIMIT = 2_000;

export class DynamoCredentialStore implements CredentialStore {
  /** The last answer read for each token, and its credential: the same bytes decode the same. */
  private readonly decoded = new BoundedMap<string, { text: string; credential: Credential | null }>(
    DECODED_LIMIT,
  );

  constructor(
    private readonly client: AwsJsonClient,
    private readonly table: string,
  ) {}

  // No ProjectionExpression: DynamoDB bills a read by the whole item anyway, and parsing one costs
  // the authorizer time on every uncached check (bench/: 1.16x a bare GetItem with it, 1.08x without).
  // Of the item read whole, only the credential's attributes are decoded (search text, sort keys and
  // stamp are not), which halves what `unmarshall` does on every check.
  async getCredential(id: string): Promise<Credential | null> {
    // Read every time, strongly consistent: a revocation shows at once. Only the decoding is saved
    // when the item is byte for byte the one this process decoded last for the token.
    const text = await this.client.callText('GetItem', {
      TableName: this.table,
      Key: { id: { S: id } },
      ConsistentRead: true,
    });
    const last = this.decoded.get(id);
    if (last?.text === text) return last.credential;
    const { Item } = JSON.parse(text) as { Item?: Item };
    const credential = Item ? itemToCredential(fromItem(credentialPart(Item))) : null;
    this.decoded.set(id, { text, credential });
    return credential;
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
