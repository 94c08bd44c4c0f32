import { TransactionCanceledException, type DynamoDBClient, type TransactWriteItem } from '@aws-sdk/client-dynamodb';

// DynamoDB cancels a transaction with TransactionConflict when another in-flight transaction
// holds one of its items (even if both only condition-check it); DynamoDB Local serializes
// them instead. This middleware brings the real behaviour to DynamoDB Local so a test can see
// what a crowd of joins would do on AWS.

const itemOf = (item: TransactWriteItem) => {
  const part = item.ConditionCheck ?? item.Put ?? item.Update ?? item.Delete;
  const key = item.Put ? { pk: item.Put.Item?.pk, sk: item.Put.Item?.sk } : (part as { Key?: Record<string, { S?: string }> }).Key;
  return `${part?.TableName}|${key?.pk?.S}|${key?.sk?.S}`;
};

export interface ConflictCounter {
  transactions: number;
  conflicts: number;
  remove(): void;
}

/**
 * Installs the middleware on a client; `remove()` takes it off. Counts transactions and injected
 * conflicts. With `holdUntilConflict`, a transaction let through waits until a conflict has been
 * injected, so a test of the simulation itself never depends on timing to see two overlap.
 */
export function simulateTransactionConflicts(client: DynamoDBClient, options: { holdUntilConflict?: boolean } = {}): ConflictCounter {
  const held = new Map<string, number>();
  let conflicted = () => {};
  const firstConflict = new Promise<void>((resolve) => (conflicted = resolve));
  const counter: ConflictCounter = { transactions: 0, conflicts: 0, remove: () => client.middlewareStack.remove(name) };
  const name = 'simulateTransactionConflicts';
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'TransactWriteItemsCommand') return next(args);
      counter.transactions++;
      const items = ((args.input as { TransactItems?: TransactWriteItem[] }).TransactItems ?? []).map(itemOf);
      if (items.some((item) => held.has(item))) {
        counter.conflicts++;
        conflicted();
        throw new TransactionCanceledException({
          message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict]',
          $metadata: {},
          CancellationReasons: items.map((item) => ({ Code: held.has(item) ? 'TransactionConflict' : 'None' })),
        });
      }
      for (const item of items) held.set(item, (held.get(item) ?? 0) + 1);
      try {
        if (options.holdUntilConflict) await firstConflict;
        return await next(args);
      } finally {
        for (const item of items) {
          const count = (held.get(item) ?? 1) - 1;
          if (count === 0) held.delete(item);
          else held.set(item, count);
        }
      }
    },
    { step: 'initialize', name },
  );
  return counter;
}
