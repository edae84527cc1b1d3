// DynamoDB tables built from the shared definitions (shared/spec/tables.ts), the same ones the local
// stack and the tests create, so the two can never disagree.
import { type RemovalPolicy, Tags } from 'aws-cdk-lib';
import {
  type Attribute,
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
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

/** An on-demand table with TTL, point-in-time recovery and the definition's keys, indexes and stream. */
export function tableFromDefinition(
  scope: Construct,
  definition: TableDefinition,
  { removalPolicy, deletionProtection, encryptionKey }: TableKeeping,
): Table {
  const table = new Table(scope, definition.id, {
    partitionKey: attribute(definition.partitionKey),
    ...(definition.sortKey && { sortKey: attribute(definition.sortKey) }),
    billingMode: BillingMode.PAY_PER_REQUEST,
    timeToLiveAttribute: definition.ttlAttribute,
    ...(definition.stream && { stream: StreamViewType[definition.stream] }),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    removalPolicy,
    deletionProtection,
    ...(encryptionKey && { encryption: TableEncryption.CUSTOMER_MANAGED, encryptionKey }),
  });
  for (const index of definition.indexes) {
    table.addGlobalSecondaryIndex({
      indexName: index.name,
      partitionKey: attribute(index.partitionKey),
      sortKey: attribute(index.sortKey),
      projectionType: ProjectionType.ALL,
    });
  }
  Tags.of(table).add(TABLE_TAG, definition.id);
  return table;
}
