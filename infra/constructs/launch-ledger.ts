/**
 * The launch ledger: one DynamoDB table where the webhook and reconcile handlers record handled
 * webhook event ids and launched room sids with conditional writes, so that "once per event" and
 * "once per room sid" hold across every Lambda instance (see `src/orchestrator/dynamo-ledger.ts`).
 * Items expire through the table's TTL (`expiresAt`); the state is worth nothing after a day or
 * two, so the table has no backups and goes with the stack.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export class LaunchLedger extends Construct {
  readonly table: TableV2;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new TableV2(this, 'Table', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      billing: Billing.onDemand(),
      timeToLiveAttribute: 'expiresAt',
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }

  /** Exactly the item operations the ledger makes: no scans, queries or batch calls. */
  grantLedger(grantee: IGrantable): void {
    this.table.grant(grantee, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
  }
}
