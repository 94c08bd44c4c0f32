import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { failedParts, transactionItems } from './transaction';

const check = (pk: string) => ({
  ConditionCheck: { TableName: 't', Key: { pk: { S: pk }, sk: { S: 'X' } }, ConditionExpression: 'attribute_exists(pk)' },
});

describe('named transactions', () => {
  it('sends the parts in declaration order and skips undefined ones', () => {
    const { names, items } = transactionItems({ gate: check('a'), member: undefined, session: check('c') });
    expect(names).toEqual(['gate', 'session']);
    expect(items.map((item) => item.ConditionCheck?.Key?.pk?.S)).toEqual(['a', 'c']);
  });

  it('names the failed parts, not their indexes, even when a part was skipped', () => {
    const { names } = transactionItems({ gate: check('a'), member: undefined, session: check('c') });
    const error = new TransactionCanceledException({
      message: 'cancelled',
      $metadata: {},
      CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed', Item: { pk: { S: 'c' } } }],
    });
    const outcome = failedParts(names, error);
    expect(outcome.failed).toEqual({ session: { code: 'ConditionalCheckFailed', item: { pk: { S: 'c' } } } });
    expect(outcome.conditionFailed).toBe(true);
  });

  it('tells a conflict from a failed condition', () => {
    const error = new TransactionCanceledException({
      message: 'cancelled',
      $metadata: {},
      CancellationReasons: [{ Code: 'TransactionConflict' }, { Code: 'None' }],
    });
    const outcome = failedParts(['member', 'session'], error);
    expect(outcome.failed).toEqual({ member: { code: 'TransactionConflict' } });
    expect(outcome.conditionFailed).toBe(false);
  });

  it('rethrows anything that is not a cancellation', () => {
    expect(() => failedParts(['a'], new Error('boom'))).toThrow('boom');
  });

  it('refuses more than 100 parts, DynamoDB’s limit', () => {
    const parts = Object.fromEntries(Array.from({ length: 101 }, (_, index) => [`p${index}`, check(`k${index}`)]));
    expect(() => transactionItems(parts)).toThrow(/at most 100/);
  });
});
