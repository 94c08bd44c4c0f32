import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { tableDefinition } from '../../shared/db/table-definition';

export interface CallsTableProps {
  /** Deletion protection and RETAIN (prod). */
  readonly protectData: boolean;
}

/** The table from the shared definition; every key attribute is a string, as in DynamoDB Local. */
export class CallsTable extends Construct {
  readonly table: Table;
  readonly indexNames: readonly string[];

  constructor(scope: Construct, id: string, props: CallsTableProps) {
    super(scope, id);
    const { partitionKey, sortKey, timeToLiveAttribute, globalSecondaryIndexes } = tableDefinition;
    this.table = new Table(this, 'Table', {
      partitionKey: { name: partitionKey, type: AttributeType.STRING },
      sortKey: { name: sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute,
      // The outbox relay reads new event items from the stream (infra/constructs/outbox-relay.ts).
      stream: StreamViewType.NEW_IMAGE,
      deletionProtection: props.protectData,
      removalPolicy: props.protectData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    for (const index of globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        projectionType: ProjectionType.ALL,
      });
    }
    this.indexNames = globalSecondaryIndexes.map((index) => index.indexName);
  }

  /** ARNs of the named indexes (all by default). */
  indexArns(names: readonly string[] = this.indexNames): string[] {
    return names.map((name) => `${this.table.tableArn}/index/${name}`);
  }
}
