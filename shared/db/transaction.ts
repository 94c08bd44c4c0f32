import type { AttributeValue, TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { cancellationReasons } from './client';
import { transactWrite } from './items';

// A transaction is built from named parts; a cancellation says which parts failed by name, so
// adding a part (an outbox event, an invitation) never shifts how the others' failures are read.

/** A part left undefined is skipped: callers write `{ member: isAdmin ? undefined : check }`. */
export type Parts = Record<string, TransactWriteItem | undefined>;

export interface FailedPart {
  /** DynamoDB's reason code: ConditionalCheckFailed, TransactionConflict, ... */
  code: string;
  /** The item as it was, for parts that asked for ReturnValuesOnConditionCheckFailure. */
  item?: Record<string, AttributeValue>;
}

export type TransactionOutcome<P extends Parts> =
  | { ok: true }
  | {
      ok: false;
      /** Only the parts that failed, by name. */
      failed: Partial<Record<keyof P & string, FailedPart>>;
      /** True when a part's condition failed (not only conflicts with other transactions). */
      conditionFailed: boolean;
    };

/** The parts in send order, with their names. Exported for offline tests of the request. */
export function transactionItems(parts: Parts): { names: string[]; items: TransactWriteItem[] } {
  const names: string[] = [];
  const items: TransactWriteItem[] = [];
  for (const [name, item] of Object.entries(parts)) {
    if (!item) continue;
    names.push(name);
    items.push(item);
  }
  if (items.length === 0) throw new Error('a transaction needs at least one part');
  if (items.length > 100) throw new Error(`a transaction holds at most 100 items, got ${items.length}`);
  return { names, items };
}

/** Reads a TransactionCanceledException by part name; any other error is rethrown as it is. */
export function failedParts<P extends Parts>(names: string[], error: unknown): Extract<TransactionOutcome<P>, { ok: false }> {
  const reasons = cancellationReasons(error);
  if (!reasons) throw error;
  const failed: Partial<Record<string, FailedPart>> = {};
  let conditionFailed = false;
  names.forEach((name, index) => {
    const reason = reasons[index];
    if (!reason?.Code || reason.Code === 'None') return;
    failed[name] = { code: reason.Code, ...(reason.Item ? { item: reason.Item } : {}) };
    if (reason.Code === 'ConditionalCheckFailed') conditionFailed = true;
  });
  return { ok: false, failed: failed as Partial<Record<keyof P & string, FailedPart>>, conditionFailed };
}

/** Runs one TransactWriteItems; a cancellation comes back as a value naming the failed parts. */
export async function transaction<P extends Parts>(parts: P): Promise<TransactionOutcome<P>> {
  const { names, items } = transactionItems(parts);
  try {
    await transactWrite(items);
    return { ok: true };
  } catch (error) {
    return failedParts<P>(names, error);
  }
}

export const conditionFailedOn = (part: FailedPart | undefined) => part?.code === 'ConditionalCheckFailed';
