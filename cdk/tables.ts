// DynamoDB tables built from the shared definitions (shared/spec/tables.ts), the same ones the local
// stack and the tests create, so the two can never disagree. Each is a `TableV2`
// (AWS::DynamoDB::GlobalTable) with one replica, in the stack's region: a team can add replicas in
// other regions later without replacing it.
import { type RemovalPolicy, Stack, Tags, Token } from 'aws-cdk-lib';
import {
  type Attribute,
  AttributeType,
  Billing,
  ProjectionType,
  StreamViewType,
  TableEncryptionV2,
  TableV2,
} from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { KeyAttribute, TableDefinition } from '#spec/tables';

/** Tag naming the `TableDefinition` a table was built from. */
export const TABLE_TAG = 'tokengate:table';

function attribute(key: KeyAttribute): Attribute {
  return { name: key.name, type: key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER };
}

/** How a table is kept: its removal policy, whether DynamoDB refuses to delete it, its key. */
export interface TableKeeping {
  readonly removalPolicy: RemovalPolicy;
  readonly deletionProtection: boolean;
  /** A customer-managed key; none, DynamoDB's AWS owned key. */
  readonly encryptionKey?: IKey;
}

/**
 * An on-demand table with TTL, point-in-time recovery and the definition's keys, indexes and stream.
 * With `encryptionKey`, the stack must name its region: a global table names the key of each
 * replica by region, which the CDK cannot write for a stack deployable to any region.
 */
export function tableFromDefinition(
  scope: Construct,
  definition: TableDefinition,
  { removalPolicy, deletionProtection, encryptionKey }: TableKeeping,
): TableV2 {
  if (encryptionKey && Token.isUnresolved(Stack.of(scope).region)) {
    throw new Error(
      `${scope.node.path}: encryptionKey needs a stack with a region (env: { region }): the tables are DynamoDB global tables, which name the key of each replica by its region`,
    );
  }
  const table = new TableV2(scope, definition.id, {
    partitionKey: attribute(definition.partitionKey),
    ...(definition.sortKey && { sortKey: attribute(definition.sortKey) }),
    billing: Billing.onDemand(),
    timeToLiveAttribute: definition.ttlAttribute,
    ...(definition.stream && { dynamoStream: StreamViewType[definition.stream] }),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    removalPolicy,
    deletionProtection,
    ...(encryptionKey && { encryption: TableEncryptionV2.customerManagedKey(encryptionKey) }),
    globalSecondaryIndexes: definition.indexes.map((index) => ({
      indexName: index.name,
      partitionKey: attribute(index.partitionKey),
      sortKey: attribute(index.sortKey),
      projectionType: ProjectionType.ALL,
    })),
  });
  Tags.of(table).add(TABLE_TAG, definition.id);
  return table;
}
