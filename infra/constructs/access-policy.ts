import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RouteAccess, SecretName } from '../routes';

// IAM statements derived from a route's (or scheduled job's) declared `access`: explicit
// actions on exact resources, nothing else. Scan is left out on purpose: no request path scans.

export const TABLE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'] as const;
// Transactions need no action of their own: TransactWriteItems is authorized per item action.
export const TABLE_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'] as const;
export const SECRET_READ_ACTIONS = ['secretsmanager:GetSecretValue'] as const;
export const KMS_ACTIONS = {
  encrypt: ['kms:Encrypt'],
  decrypt: ['kms:Decrypt'],
  'encrypt-decrypt': ['kms:Encrypt', 'kms:Decrypt'],
} as const satisfies Record<NonNullable<RouteAccess['kms']>, readonly string[]>;

export interface AccessResources {
  readonly tableArn: string;
  /** ARNs of the table's indexes (`<table arn>/index/<name>`): reads may query them. */
  readonly indexArns: readonly string[];
  readonly secretArns: Readonly<Record<SecretName, string>>;
  readonly recordingsKeyArn: string;
}

export function accessStatements(access: RouteAccess, resources: AccessResources): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  if (access.table) {
    statements.push(
      new PolicyStatement({ sid: 'TableRead', actions: [...TABLE_READ_ACTIONS], resources: [resources.tableArn, ...resources.indexArns] }),
    );
  }
  if (access.table === 'readwrite') {
    statements.push(new PolicyStatement({ sid: 'TableWrite', actions: [...TABLE_WRITE_ACTIONS], resources: [resources.tableArn] }));
  }
  if (access.secrets && access.secrets.length > 0) {
    statements.push(
      new PolicyStatement({
        sid: 'SecretsRead',
        actions: [...SECRET_READ_ACTIONS],
        resources: [...new Set(access.secrets)].map((name) => resources.secretArns[name]),
      }),
    );
  }
  if (access.kms) {
    statements.push(
      new PolicyStatement({
        sid: 'RecordingsKey',
        actions: [...KMS_ACTIONS[access.kms]],
        resources: [resources.recordingsKeyArn],
        // Only with the call-bound encryption context the recording cipher uses (docs/recording.md).
        conditions: {
          'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['call_id', 'thread_id'] },
          Null: { 'kms:EncryptionContextKeys': 'false' },
        },
      }),
    );
  }
  return statements;
}
